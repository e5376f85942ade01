package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** values.yaml, values.schema.json, README.md and NOTES.txt stay in step with each other and with the chart. */
class ChartDocsTest {

    private static final Path VALUES = Project.chart().resolve("values.yaml");

    @Test
    void everyValueIsDocumentedKeyByKey() {
        assertThat(ValuesDoc.undocumentedLeaves(VALUES)).as("keys without a '# --' comment").isEmpty();
        assertThat(ValuesDoc.documentedValues(VALUES)).hasSizeGreaterThan(150);
    }

    @Test
    void theReadmeListsEveryValue() throws Exception {
        String readme = Files.readString(Project.chart().resolve("README.md"));
        List<String> missing = ValuesDoc.documentedValues(VALUES).stream().filter(v -> !readme.contains("| `" + v + "` |")).toList();
        assertThat(missing).as("values missing from the README's table").isEmpty();
        // and nothing in the table that values.yaml does not have
        List<String> stale = new ArrayList<>();
        readme.substring(readme.indexOf("\n## Values\n")).lines().filter(l -> l.startsWith("| `")).forEach(l -> {
            String key = l.substring(3, l.indexOf('`', 3));
            if (!ValuesDoc.documentedValues(VALUES).contains(key)) {
                stale.add(key);
            }
        });
        assertThat(stale).as("README rows for values that do not exist").isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSchemaDescribesExactlyTheValues() throws Exception {
        Map<String, Object> schema = Rendered.SERIALIZATION.unmarshal(Files.readString(Project.chart().resolve("values.schema.json")), Map.class);
        List<String> keys = ValuesDoc.keys(VALUES).stream().map(ValuesDoc.Key::path).toList();
        List<String> documented = ValuesDoc.documentedValues(VALUES);
        List<String> notInSchema = new ArrayList<>();
        for (String k : keys) {
            if (documented.stream().anyMatch(d -> k.startsWith(d + "."))) {
                continue; // inside a free-form value such as podSecurityContext
            }
            Map<String, Object> node = schema;
            for (String part : k.split("\\.")) {
                Map<String, Object> props = node == null ? null : (Map<String, Object>) node.get("properties");
                node = props == null ? null : (Map<String, Object>) props.get(part);
            }
            if (node == null) {
                notInSchema.add(k);
            }
        }
        assertThat(notInSchema).as("values without a schema").isEmpty();
        List<String> notInValues = new ArrayList<>();
        schemaPaths("", schema, notInValues, keys);
        notInValues.removeIf(k -> documented.stream().anyMatch(d -> k.startsWith(d + ".")));
        assertThat(notInValues).as("schema properties values.yaml does not have").isEmpty();
        assertThat(schema.get("additionalProperties")).isEqualTo(false);
    }

    @SuppressWarnings("unchecked")
    private static void schemaPaths(String prefix, Map<String, Object> node, List<String> missing, List<String> keys) {
        Map<String, Object> props = (Map<String, Object>) node.get("properties");
        if (props == null) {
            return;
        }
        props.forEach((name, sub) -> {
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            if (path.equals("global")) {
                return; // Helm's, for use as a subchart
            }
            if (!keys.contains(path)) {
                missing.add(path);
            }
            schemaPaths(path, (Map<String, Object>) sub, missing, keys);
        });
    }

    @Test
    void notesGiveTheExactCommandsOfThisRelease() {
        String notes = Helm.HELM4.notes(List.of(Project.valuesFile("everything-on")), Map.of());
        assertThat(notes).contains(
                "kubectl -n etcd create job etcd-ops-backup-manual-$(date +%s) --from=cronjob/etcd-ops-backup",
                "kubectl -n etcd create job etcd-ops-restore-plan-$(date +%s) --from=cronjob/etcd-ops-restore --dry-run=client -o yaml \\\n"
                        + "      | kubectl set env --local -f - ETCD_OPS_DRY_RUN=true -o yaml \\\n"
                        + "      | kubectl -n etcd create -f -",
                "kubectl -n etcd create job etcd-ops-restore-$(date +%s) --from=cronjob/etcd-ops-restore\n",
                "| kubectl set env --local -f - ETCD_OPS_SNAPSHOT=<snapshot name> ETCD_OPS_FORCE=true -o yaml",
                "kubectl -n etcd create job etcd-ops-drill-manual-$(date +%s) --from=cronjob/etcd-ops-drill",
                "kubectl -n etcd create job etcd-ops-health-manual-$(date +%s) --from=cronjob/etcd-ops-health",
                "kubectl -n etcd create job etcd-ops-upgrade-$(date +%s) --from=cronjob/etcd-ops-upgrade --dry-run=client -o yaml",
                "| kubectl set env --local -f - ETCD_OPS_TO_VERSION=<X.Y.Z> ETCD_OPS_DRY_RUN=true -o yaml",
                "restore.before is set (2026-11-24T08:00:00Z) and wins over ETCD_OPS_SNAPSHOT: add ETCD_OPS_BEFORE- to",
                "REPLACER  schedule \"*/5 * * * *\" (Europe/Berlin): replaces a member of StatefulSet etcd that stayed unhealthy\n"
                        + "  longer than 10m",
                "kubectl -n etcd create job etcd-ops-replacer-plan-$(date +%s) --from=cronjob/etcd-ops-replacer --dry-run=client -o yaml \\\n"
                        + "      | kubectl set env --local -f - ETCD_OPS_DRY_RUN=true -o yaml \\\n"
                        + "      | kubectl -n etcd create -f -",
                "| kubectl set env --local -f - ETCD_OPS_MEMBER=<pod name> -o yaml",
                "kubectl -n etcd describe statefulset etcd");
        assertThat(notes).doesNotContain("NOT YET").contains("Its backup-age container (backup-job list --max-age 25h) fails the Job",
                "kubectl -n etcd logs job/<health job> -c backup-age      (runbook: docs/runbooks/backups-stopped.md)");
        assertThat(Project.root().resolve("docs/runbooks/backups-stopped.md")).as("the runbook NOTES names").exists();
        String fetch = Helm.HELM4.notes(List.of(Project.valuesFile("file-store")), Map.of());
        assertThat(fetch).contains("runs `restore-job fetch`", "PVC etcd-restore at /etcd-ops/restore/snapshot.db",
                "docs/runbooks/restore-after-quorum-loss.md");
        String minimal = Helm.HELM4.notes(List.of(Project.valuesFile("minimal")), Map.of());
        assertThat(minimal).contains("RESTORE DRILL  disabled", "UPGRADE  disabled", "REPLACER  disabled").doesNotContain("HEALTH");
        assertThat(Project.root().resolve("docs/runbooks/restore-after-quorum-loss.md")).as("the runbook NOTES names").exists();
    }

    /**
     * The NOTES way to choose a snapshot for one restore, run for real as far as it goes without a cluster: the Job
     * `kubectl create job --from=cronjob/...` makes (the CronJob's jobTemplate), piped through the same
     * `kubectl set env --local` NOTES prints, carries the chosen snapshot to the container, in a variable the CLI reads.
     */
    @Test
    void choosingTheSnapshotOfOneRestoreWorks(@TempDir Path tmp) throws Exception {
        CronJob restore = Helm.HELM3.render("everything-on").cronJob("restore");
        Job job = new JobBuilder().withNewMetadata().withName("etcd-ops-restore-1").withNamespace("etcd")
                .addToAnnotations("cronjob.kubernetes.io/instantiate", "manual").endMetadata()
                .withSpec(restore.getSpec().getJobTemplate().getSpec()).build();
        Path file = tmp.resolve("job.yaml");
        Files.writeString(file, Rendered.SERIALIZATION.asYaml(job));
        Helm.Result r = Helm.exec(List.of(Helm.HELM4.kubectl().toString(), "set", "env", "--local", "-f", file.toString(),
                "ETCD_OPS_SNAPSHOT=20261124T093000Z-r12345", "-o", "yaml"));
        assertThat(r.exitCode()).as(r.output()).isZero();
        Job changed = Rendered.SERIALIZATION.unmarshal(r.stdout(), Job.class);
        Container c = changed.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(Rendered.env(c, "ETCD_OPS_SNAPSHOT")).isEqualTo("20261124T093000Z-r12345");
        assertThat(Rendered.env(c, "ETCD_OPS_BEFORE")).as("everything-on sets a time too; it wins, as NOTES says").isNotNull();
        // ... and NOTES' way to drop it for one run
        r = Helm.exec(List.of(Helm.HELM4.kubectl().toString(), "set", "env", "--local", "-f", file.toString(),
                "ETCD_OPS_SNAPSHOT=20261124T093000Z-r12345", "ETCD_OPS_BEFORE-", "-o", "yaml"));
        assertThat(r.exitCode()).as(r.output()).isZero();
        c = Rendered.SERIALIZATION.unmarshal(r.stdout(), Job.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(Rendered.envNames(c)).doesNotContain("ETCD_OPS_BEFORE").contains("ETCD_OPS_SNAPSHOT");
        assertThat(JobCli.help("restore-job", List.of("kubernetes"))).contains("env ETCD_OPS_SNAPSHOT", "env ETCD_OPS_BEFORE", "env ETCD_OPS_FORCE");
        assertThat(JobCli.help("upgrader", List.of())).contains("env ETCD_OPS_TO_VERSION", "env ETCD_OPS_DRY_RUN");
        assertThat(JobCli.help("member-replacer", List.of())).as("NOTES' per-run variables of the replacer")
                .contains("env ETCD_OPS_MEMBER", "env ETCD_OPS_DRY_RUN");
    }
}
