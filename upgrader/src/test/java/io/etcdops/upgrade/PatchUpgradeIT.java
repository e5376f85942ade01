package io.etcdops.upgrade;

import tools.jackson.databind.JsonNode;
import io.etcdops.testkit.etcd.EtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Patch steps on real etcd 3.6 in the Kubernetes simulation, both ways on one cluster: 3.6.10 -> 3.7 is refused (etcd's
 * 3.7 guide wants 3.6.11 or later first), a dry run changes nothing, 3.6.10 -> 3.6.16 and back 3.6.16 -> 3.6.10 (a patch
 * downgrade works like an upgrade), each with the leader restarted last, after leadership moved to an upgraded member.
 */
class PatchUpgradeIT {

    @Test
    void dryRunThenPatchUpgradeThenPatchDowngrade_leaderLastEachTime(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_6_OLD, 3, "RollingUpdate", tmp)) {
            Map<String, String> uids = etcd.podUids();
            SimulatedEtcd.Run to37 = etcd.upgrade("--to-version", EtcdBinaries.V3_7, "--skip-backup");
            assertThat(to37.exitCode()).as(to37.toString()).isEqualTo(3);
            assertThat(to37.error()).contains("etcd 3.6.10 -> 3.7.3", "every member on 3.6.11 or later first");
            assertThat(etcd.podUids()).isEqualTo(uids);

            SimulatedEtcd.Run dry = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--dry-run");
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            assertThat(dry.report().path("status").asText()).isEqualTo("dry-run");
            assertThat(dry.report().path("path").asText()).isEqualTo("patch-upgrade");
            assertThat(list(dry.report().path("plan").path("order"))).hasSize(3);
            assertThat(dry.report().path("plan").path("steps").toString()).contains("move leadership", "OnDelete",
                    "applied index caught up", "NO BACKUP");
            assertThat(etcd.podUids()).isEqualTo(uids);
            assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_6_OLD);
            assertThat(etcd.strategy()).isEqualTo("RollingUpdate");
            assertThat(etcd.hasProgressRecord()).isFalse();
            assertThat(etcd.lockFree()).isTrue();

            upgradeLeaderLast(etcd, EtcdBinaries.V3_6, "patch-upgrade");
            Map<String, String> upgraded = etcd.podUids();
            SimulatedEtcd.Run again = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--skip-backup");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.report().path("path").asText()).isEqualTo("none");
            assertThat(list(again.report().path("skipped"))).containsExactly("etcd-0", "etcd-1", "etcd-2");
            assertThat(etcd.podUids()).as("a run with nothing to do restarts nothing").isEqualTo(upgraded);
            upgradeLeaderLast(etcd, EtcdBinaries.V3_6_OLD, "patch-downgrade");
        }
    }

    /**
     * Runs the upgrader to {@code version} while recording leadership; checks the outcome and the leader-last rule:
     * the leader is restarted last, after one leadership move to an upgraded member, and the raft term rises by
     * exactly one over the whole run (the move; had the old leader been restarted while leading, its election would
     * add another).
     */
    static JsonNode upgradeLeaderLast(SimulatedEtcd etcd, String version, String path, String... extra) throws Exception {
        SimulatedEtcd.Run run;
        long termBefore = etcd.raftTerm();
        LeaderRecorder leaders = new LeaderRecorder(etcd);
        try (leaders) {
            List<String> args = new ArrayList<>(List.of("--to-version", version));
            args.addAll(List.of(extra.length == 0 ? new String[] {"--skip-backup"} : extra));
            run = etcd.upgrade(args.toArray(String[]::new));
        }
        long termAfter = etcd.raftTerm();
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return checkLeaderLast(etcd, run.report(), version, path, termAfter - termBefore, leaders);
    }

    static JsonNode checkLeaderLast(SimulatedEtcd etcd, JsonNode r, String version, String path, long elections, LeaderRecorder leaders) {
        assertThat(r.path("path").asText()).isEqualTo(path);
        assertThat(etcd.serverVersions()).as("every member runs the target").allSatisfy((pod, v) -> assertThat(v).isEqualTo(version));
        assertThat(etcd.image()).endsWith(":v" + version);
        assertThat(etcd.strategy()).as("updateStrategy restored").isEqualTo("RollingUpdate");
        assertThat(etcd.hasProgressRecord()).isFalse();
        assertThat(etcd.lockFree()).isTrue();

        Map<String, Long> ids = etcd.memberIds();
        List<String> order = list(r.path("order"));
        assertThat(r.path("leader-moves")).as(r.toString()).hasSize(1);
        String leaderPod = r.path("leader-moves").get(0).path("from").asText();
        String newLeaderPod = r.path("leader-moves").get(0).path("to").asText();
        assertThat(order).as("followers first, the leader last").hasSize(etcd.replicas).last().isEqualTo(leaderPod);
        assertThat(order.subList(0, order.size() - 1)).as("leadership went to an upgraded member").contains(newLeaderPod);
        for (JsonNode m : r.path("members")) {
            assertThat(m.path("action").asText()).isEqualTo("restarted");
            assertThat(m.path("was-leader").asBoolean()).as(m.toString()).isFalse();
            assertThat(m.path("healthy-seconds").asDouble()).isPositive();
        }
        assertThat(elections).as("leader elections during the run (raft term increase)").isEqualTo(1);
        List<Long> leadership = leaders.changes().stream().map(LeaderRecorder.Change::leaderId).toList();
        assertThat(leadership).as("leadership over time").containsExactly(ids.get(leaderPod), ids.get(newLeaderPod));
        assertThat(leaders.fewestAnswering()).as("never more than one member down").isGreaterThanOrEqualTo(etcd.replicas - 1);
        return r;
    }

    static List<String> list(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
