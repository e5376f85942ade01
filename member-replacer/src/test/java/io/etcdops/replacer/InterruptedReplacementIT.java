package io.etcdops.replacer;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.jobs.JobProcess;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.etcdops.replacer.MemberReplacementIT.annotation;
import static io.etcdops.replacer.MemberReplacementIT.memberIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A replacement (on demand, {@code --member}) whose job dies after the old member was removed, then again after the
 * new learner was added: each next run re-plans from etcd's and Kubernetes' state and the third one finishes, with
 * exactly one new member. Then two of three members down: refused, nothing changed. Real etcd 3.6 in the simulation.
 *
 * <p>The "kill" is an exception thrown right after the step, in this JVM: etcd and Kubernetes are left exactly as a
 * killed job leaves them, except the cluster Lease, which is released here instead of expiring a minute later.
 */
class InterruptedReplacementIT {
    private static final Duration GRACE = Duration.ofMinutes(5);

    @Test
    void aReplacementKilledAfterTheRemovalAndAgainAfterTheAddIsFinishedByTheNextRun_twoDownIsRefused() throws Exception {
        try (SimulatedEtcd etcd = new SimulatedEtcd(EtcdBinaries.V3_6); Client healthy = etcd.client("etcd-0", "etcd-2")) {
            healthy.getKVClient().put(SimulatedEtcd.bytes("/k/before"), SimulatedEtcd.bytes("v1")).get(10, TimeUnit.SECONDS);
            Map<String, Long> before = memberIds(healthy);
            etcd.freeze("etcd-1");

            // the CLI itself, in its own JVM, as a Job runs it: the API through KUBECONFIG, pod names through cluster DNS
            JobProcess.Result dry = JobProcess.of(MemberReplacer.class.getName()).jvmArgs(etcd.sim.jvmOptions())
                    .env("KUBECONFIG", etcd.kubeconfig().toString()).env("ETCD_OPS_STATEFULSET", "etcd")
                    .run("--namespace", "default", "--member", "etcd-1", "--dry-run", "--image", SimulatedEtcd.IMAGE,
                            "--command-timeout", "3s");
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            assertThat(dry.reportLine()).contains("\"status\":\"dry-run\"", "\"member\":\"etcd-1\"", "create pod etcd-1-seed",
                    "--initial-cluster-state=existing", "--name=etcd-1");
            assertThat(memberIds(healthy)).isEqualTo(before);
            assertThat(annotation(etcd, UnhealthySince.ANNOTATION)).as("a dry run writes nothing").isNull();
            assertThat(etcd.k().pods().withName("etcd-1").get().getMetadata().getFinalizers()).doesNotContain(PodHold.FINALIZER);

            assertThatThrownBy(() -> etcd.replace("job-1", SimulatedEtcd.settings(GRACE, "etcd-1", false), killAfter("member-removed"),
                    new JobReport("r"))).hasMessageContaining("killed after member-removed");
            assertThat(memberIds(healthy).keySet()).containsExactlyInAnyOrder("etcd-0", "etcd-2");
            assertThat(etcd.k().pods().withName("etcd-1").get().getMetadata().getFinalizers()).contains(PodHold.FINALIZER);
            assertThat(annotation(etcd, ProgressRecord.ANNOTATION)).contains("member-removed");

            // the next run is a plain scheduled one: no --member, a long grace; it finishes what the record and the hold say
            assertThatThrownBy(() -> etcd.replace("job-2", SimulatedEtcd.settings(GRACE, null, false), killAfter("learner-added"),
                    new JobReport("r"))).hasMessageContaining("killed after learner-added");
            List<Member> midway = healthy.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
            assertThat(midway).hasSize(3).filteredOn(Member::isLearner).hasSize(1);
            Pod seed = etcd.k().pods().withName(SeedPod.name("etcd-1")).get();
            assertThat(seed).isNotNull();

            JobReport last = new JobReport("r");
            assertThat(etcd.replace("job-3", SimulatedEtcd.settings(GRACE, null, false), StepListener.NONE, last))
                    .isEqualTo(MemberReplacement.Outcome.REPLACED);
            assertThat(last.get("resumed")).isEqualTo(true);
            List<Member> after = healthy.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
            assertThat(after).as("exactly one new member, never a duplicate").hasSize(3).noneMatch(Member::isLearner);
            assertThat(memberIds(healthy).get("etcd-1")).isNotEqualTo(before.get("etcd-1"))
                    .isEqualTo(midway.stream().filter(Member::isLearner).findFirst().orElseThrow().getId());
            try (Client one = etcd.client("etcd-1")) {
                assertThat(SimulatedEtcd.get(one, "/k/before")).isEqualTo("v1");
            }
            assertThat(etcd.k().pods().withName(SeedPod.name("etcd-1")).get()).isNull();
            assertThat(annotation(etcd, ProgressRecord.ANNOTATION)).isNull();

            // two of three down: no quorum, refused, nothing touched
            Map<String, Long> whole = memberIds(healthy);
            Map<String, String> uids = etcd.podUids();
            etcd.freeze("etcd-0");
            etcd.freeze("etcd-2");
            assertThatThrownBy(() -> etcd.replace("job-4", SimulatedEtcd.settings(Duration.ZERO, null, false), StepListener.NONE,
                    new JobReport("r"))).isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED);
                        assertThat(e.getMessage()).contains("no quorum", "docs/runbooks/restore-after-quorum-loss.md");
                    });
            etcd.thaw("etcd-0");
            etcd.thaw("etcd-2");
            assertThat(memberIds(healthy)).isEqualTo(whole);
            assertThat(etcd.podUids()).isEqualTo(uids);
            assertThat(etcd.k().pods().list().getItems()).noneMatch(PodHold::held);
            assertThat(MemberReplacementIT.events(etcd)).contains("ReplacementRefused");
        }
    }

    private static StepListener killAfter(String step) {
        return s -> {
            if (s.equals(step)) {
                throw new IllegalStateException("killed after " + step);
            }
        };
    }
}
