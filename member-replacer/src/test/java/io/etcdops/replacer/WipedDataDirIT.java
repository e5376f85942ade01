package io.etcdops.replacer;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.etcdops.replacer.MemberReplacementIT.memberIds;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member whose data dir was lost (wiped under it, then the process died) on etcd 3.6: the StatefulSet restarts it
 * with {@code --initial-cluster-state=new} on an empty dir, which etcd refuses ("member has already been
 * bootstrapped") — the crash loop this replacer exists for. It is replaced, with the {@code /readyz} readiness
 * probe: etcd answers /readyz with 503 for a learner, so the learner runs in the seed pod (no probes) and is promoted
 * on etcd's word before the StatefulSet's pod comes back, Ready. (OrderedReady could not be tested: with /readyz a
 * 3-member StatefulSet never bootstraps under it — etcd-0 alone has no quorum, so it is never Ready and etcd-1 is
 * never created; measured in the simulation with 3.6.16.)
 */
class WipedDataDirIT {

    @Test
    void aMemberThatLostItsDataDirIsReplacedWithAReadyzProbe() throws Exception {
        try (SimulatedEtcd etcd = new SimulatedEtcd(EtcdBinaries.V3_6); Client healthy = etcd.client("etcd-0", "etcd-2")) {
            healthy.getKVClient().put(SimulatedEtcd.bytes("/k/before"), SimulatedEtcd.bytes("v1")).get(10, TimeUnit.SECONDS);
            Map<String, Long> before = memberIds(healthy);

            Path volume = etcd.sim.volumeDir("etcd-data-etcd-1").orElseThrow();
            etcd.freeze("etcd-1");
            long pid = etcd.sim.pid("etcd-1", "etcd").orElseThrow();
            try (Stream<Path> files = Files.list(volume)) {
                for (Path p : files.toList()) {
                    try (Stream<Path> tree = Files.walk(p)) {
                        tree.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
                    }
                }
            }
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Poll.until("etcd-1 crash-looping on its empty data dir", SimulatedEtcd.UP, () -> {
                var p = etcd.k().pods().withName("etcd-1").get();
                return p.getStatus().getContainerStatuses().stream().anyMatch(cs -> cs.getRestartCount() >= 2);
            }, () -> etcd.sim.describePods("etcd-1"));
            assertThat(etcd.sim.logs("etcd-1", "etcd")).contains("has already been bootstrapped");

            JobReport report = new JobReport("r");
            assertThat(etcd.replace("job", SimulatedEtcd.settings(Duration.ZERO, null, false), StepListener.NONE, report))
                    .isEqualTo(MemberReplacement.Outcome.REPLACED);

            assertThat(etcd.k().pods().withName("etcd-1").get().getStatus().getConditions())
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            List<Member> after = healthy.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
            assertThat(after).hasSize(3).noneMatch(Member::isLearner);
            assertThat(memberIds(healthy).get("etcd-1")).isNotEqualTo(before.get("etcd-1"));
            try (Client one = etcd.client("etcd-1")) {
                assertThat(SimulatedEtcd.get(one, "/k/before")).isEqualTo("v1");
            }
            etcd.freeze("etcd-0");
            try (Client rest = etcd.client("etcd-1", "etcd-2")) {
                SimulatedEtcd.putWithQuorum(rest, "/after", "quorum of etcd-1 and etcd-2");
            }
            etcd.thaw("etcd-0");
        }
    }
}
