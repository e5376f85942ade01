package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CronJobs done right: Forbid, deadlines, history limits that survive 0, suspended templates, the weekly drill. */
class ChartCronJobTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Helm.class)
    void everyCronJobHasThePolicies(Helm helm) {
        Rendered r = helm.render("everything-on");
        assertThat(r.all(CronJob.class)).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder(
                "etcd-ops-backup", "etcd-ops-restore", "etcd-ops-drill", "etcd-ops-health", "etcd-ops-replacer", "etcd-ops-upgrade");
        for (CronJob c : r.all(CronJob.class)) {
            String id = c.getMetadata().getName();
            JobSpec job = c.getSpec().getJobTemplate().getSpec();
            assertThat(c.getSpec().getConcurrencyPolicy()).as(id).isEqualTo("Forbid");
            assertThat(c.getSpec().getSuccessfulJobsHistoryLimit()).as(id).isNotNull();
            assertThat(c.getSpec().getFailedJobsHistoryLimit()).as(id).isNotNull();
            assertThat(c.getSpec().getTimeZone()).as(id).isEqualTo("Europe/Berlin");
            assertThat(job.getBackoffLimit()).as(id).isNotNull();
            assertThat(job.getActiveDeadlineSeconds()).as(id).isPositive();
            assertThat(job.getTtlSecondsAfterFinished()).as(id).isPositive();
            assertThat(job.getTemplate().getSpec().getRestartPolicy()).as(id).isEqualTo("Never");
        }
        // the backup values of everything-on: limits of 0 are kept, not dropped as "empty"
        CronJob backup = r.cronJob("backup");
        assertThat(backup.getSpec().getSuccessfulJobsHistoryLimit()).isZero();
        assertThat(backup.getSpec().getFailedJobsHistoryLimit()).isZero();
        assertThat(backup.getSpec().getSchedule()).isEqualTo("*/30 * * * *");
        assertThat(backup.getSpec().getStartingDeadlineSeconds()).isEqualTo(600L);
        assertThat(backup.getSpec().getSuspend()).isFalse();
        assertThat(backup.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isEqualTo(2);
        assertThat(backup.getSpec().getJobTemplate().getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Helm.class)
    void restoreAndUpgradeAreSuspendedTemplatesThatNeverFire(Helm helm) {
        Rendered r = helm.render("everything-on");
        for (String job : List.of("restore", "upgrade")) {
            CronJob c = r.cronJob(job);
            assertThat(c.getSpec().getSuspend()).as(job).isTrue();
            assertThat(c.getSpec().getSchedule()).as(job + ": February 31st, never").isEqualTo("0 0 31 2 *");
            assertThat(c.getSpec().getStartingDeadlineSeconds()).as(job).isNull();
            assertThat(c.getMetadata().getAnnotations().get("etcd-ops.io/usage"))
                    .isEqualTo("job template: kubectl -n etcd create job etcd-ops-" + job + "-<id> --from=cronjob/etcd-ops-" + job);
        }
        assertThat(r.cronJob("upgrade").getSpec().getJobTemplate().getSpec().getBackoffLimit())
                .as("a retried upgrade must re-plan, not repeat").isZero();
    }

    @Test
    void templatesHaveNoScheduleOrSuspendKnob() {
        // the schema rejects them: a template that could be scheduled by a values typo would restore on a timer
        Helm.Result r = Helm.HELM3.template(List.of(Project.valuesFile("minimal")), Map.of("restore.suspend", "false"));
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("restore: Additional property suspend is not allowed");
        r = Helm.HELM4.template(List.of(Project.valuesFile("minimal")), Map.of("upgrade.schedule", "0 * * * *"));
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("at '/upgrade': additional properties 'schedule' not allowed");
    }

    @Test
    void theDrillRunsWeekly() {
        CronJob drill = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("drill.enabled", "true",
                "drill.etcdImage.repository", "quay.io/coreos/etcd", "drill.etcdImage.tag", "v3.5.21")).cronJob("drill");
        String[] f = drill.getSpec().getSchedule().split("\\s+");
        assertThat(f).hasSize(5);
        assertThat(f[2]).as("any day of month").isEqualTo("*");
        assertThat(f[3]).as("any month").isEqualTo("*");
        assertThat(f[4]).as("one day of the week").matches("[0-6]");
        assertThat(f[0]).matches("\\d+");
        assertThat(f[1]).matches("\\d+");
        assertThat(drill.getSpec().getSuspend()).isFalse();
    }

    @Test
    void nullOmitsAFieldAndTimeZonesFallBack() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of(
                "backup.successfulJobsHistoryLimit", "null", "backup.ttlSecondsAfterFinished", "null",
                "timeZone", "UTC", "backup.timeZone", "Asia/Tokyo"));
        CronJob backup = r.cronJob("backup");
        assertThat(backup.getSpec().getSuccessfulJobsHistoryLimit()).as("null: Kubernetes' default").isNull();
        assertThat(backup.getSpec().getJobTemplate().getSpec().getTtlSecondsAfterFinished()).isNull();
        assertThat(backup.getSpec().getFailedJobsHistoryLimit()).isEqualTo(3);
        assertThat(backup.getSpec().getTimeZone()).isEqualTo("Asia/Tokyo");
        assertThat(r.cronJob("restore").getSpec().getTimeZone()).isEqualTo("UTC");
    }

    @Test
    void defaultsInstallTheBackupAndTheRestoreTemplateOnly() {
        Rendered r = Helm.HELM3.render("minimal");
        assertThat(r.all(CronJob.class)).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("etcd-ops-backup", "etcd-ops-restore");
        assertThat(r.cronJob("backup").getSpec().getSchedule()).isEqualTo("7 * * * *");
        assertThat(r.cronJob("backup").getSpec().getTimeZone()).isNull();
    }
}
