package io.etcdops.upgrade;

import tools.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.time.Duration;
import io.etcdops.testkit.Poll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both minor upgrades etcd ships now, one after the other on one real 3-member cluster of etcd's docs StatefulSet,
 * with a client writing to every member throughout: 3.5.36 -> 3.6.16 as the image runs it (the main class in its own
 * JVM, a verified backup to a file store first), then 3.6.16 -> 3.7.3 with {@code --rewrite-flags}. On the way, what
 * each new minor removed is refused with its replacement, and nothing changes: a {@code --enable-v2} before 3.6, the
 * {@code --experimental-*} flags before 3.7 (accepted by 3.5 and 3.6; 3.7 does not start with them), and 3.7 until
 * every member saved a raft snapshot on 3.6 (etcd 3.7.3 panics replaying 3.5-era WAL entries). One leadership move per
 * minor, and no write fails after the writer's retries.
 */
class MinorUpgradeIT {

    @Test
    void upgrades35To36To37_writerLosesNothing_leaderLastEachTime_removedFlagsRefused(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_5, 3, "RollingUpdate", tmp)) {
            try (Client c = etcd.client()) {
                c.getKVClient().put(Writer.bytes("/app/before-upgrade"), Writer.bytes("kept")).get(10, TimeUnit.SECONDS);
            }
            // --snapshot-count 300: the members take raft snapshots on 3.6 within seconds of the writer's puts (see below)
            etcd.editArgs(a -> a.addAll(List.of("--snapshot-count=300", "--experimental-initial-corrupt-check=true",
                    "--experimental-compact-hash-check-time=90s", "--enable-v2=true")), true);

            Map<String, String> uids = etcd.podUids();
            SimulatedEtcd.Run v2 = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--skip-backup", "--rewrite-flags");
            assertThat(v2.exitCode()).as(v2.toString()).isEqualTo(3);
            assertThat(v2.error()).contains("--enable-v2=true is not accepted by etcd 3.6 (it would not start)");
            assertThat(etcd.podUids()).as("nothing touched").isEqualTo(uids);
            assertThat(etcd.args()).contains("--enable-v2=true");
            etcd.editArgs(a -> a.remove("--enable-v2=true"), true);

            Path store = tmp.resolve("store");
            Writer writer = new Writer(etcd);
            try (writer) {
                Thread.sleep(1000);
                long termBefore = etcd.raftTerm();
                JobProcess.Result result;
                LeaderRecorder leaders = new LeaderRecorder(etcd);
                try (leaders) {
                    result = etcd.upgraderProcess().run("--to-version", EtcdBinaries.V3_6, "--store", store.toUri().toString(),
                            "--cluster-name", "etcd-main");
                }
                SimulatedEtcd.Run run = SimulatedEtcd.finished(result);
                assertThat(run.exitCode()).as(result.toString()).isZero();
                JsonNode r = PatchUpgradeIT.checkLeaderLast(etcd, run.report(), EtcdBinaries.V3_6, "minor-upgrade",
                        etcd.raftTerm() - termBefore, leaders);
                assertThat(r.path("from-version").asText()).isEqualTo(EtcdBinaries.V3_5);
                assertThat(r.path("cluster-version").asText()).isEqualTo("3.6");
                assertThat(r.path("warnings").toString()).contains("--experimental-initial-corrupt-check=true is deprecated in etcd 3.6");
                JsonNode backup = r.path("backup");
                assertThat(backup.path("etcd-version").asText()).as(r.toString()).isEqualTo(EtcdBinaries.V3_5);
                assertThat(backup.path("verification").asText()).isEqualTo("full");
                assertThat(backup.path("snapshot-uri").asText()).startsWith("file:").contains("/etcd-main/");
                try (Stream<Path> files = Files.walk(store)) {
                    List<String> names = files.map(p -> p.getFileName().toString()).toList();
                    assertThat(names).as("snapshot and its manifest (the commit marker)")
                            .anySatisfy(n -> assertThat(n).endsWith(".db.zst")).anySatisfy(n -> assertThat(n).endsWith(".json"));
                }
                for (int i = 0; i < 3; i++) {
                    assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_6).containsEntry("cluster", "3.6.0");
                }

                assertThat(etcd.statefulSet().getMetadata().getAnnotations()).containsKey(PreFlight.WAL_FROM_35);
                // etcd 3.7.3 panics replaying 3.5-era WAL entries: until every member saved a raft snapshot on 3.6 the
                // upgrade is refused (when the writer was quicker than this check, every member has one already)
                if (IntStream.range(0, 3).anyMatch(i -> etcd.snapshotsSinceStart(i) == 0)) {
                    SimulatedEtcd.Run early = etcd.upgrade("--to-version", EtcdBinaries.V3_7, "--skip-backup", "--rewrite-flags");
                    assertThat(early.exitCode()).as(early.toString()).isEqualTo(3);
                    assertThat(early.error()).contains("have not saved a raft snapshot since they started on 3.6");
                }
                Poll.until("every member saved a raft snapshot on 3.6", Duration.ofSeconds(120),
                        () -> IntStream.range(0, 3).allMatch(i -> etcd.snapshotsSinceStart(i) > 0), () -> "");

                uids = etcd.podUids();
                SimulatedEtcd.Run exp = etcd.upgrade("--to-version", EtcdBinaries.V3_7, "--skip-backup");
                assertThat(exp.exitCode()).as(exp.toString()).isEqualTo(3);
                assertThat(exp.error()).contains("--experimental-initial-corrupt-check=true is not accepted by etcd 3.7 (it would "
                        + "not start); use --feature-gates=InitialCorruptCheck=true instead",
                        "--experimental-compact-hash-check-time=90s is not accepted by etcd 3.7 (it would not start); use "
                        + "--compact-hash-check-time", "--rewrite-flags");
                assertThat(etcd.podUids()).as("nothing touched").isEqualTo(uids);
                assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_6);

                JsonNode r37 = PatchUpgradeIT.upgradeLeaderLast(etcd, EtcdBinaries.V3_7, "minor-upgrade", "--skip-backup",
                        "--rewrite-flags");
                assertThat(r37.path("cluster-version").asText()).isEqualTo("3.7");
                assertThat(r37.path("flag-rewrites")).hasSize(2);
                assertThat(etcd.args()).contains("--feature-gates=InitialCorruptCheck=true", "--compact-hash-check-time=90s")
                        .noneMatch(a -> a.startsWith("--experimental-"));
                for (int i = 0; i < 3; i++) {
                    assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_7).containsEntry("cluster", "3.7.0");
                }
                Thread.sleep(1000);
            }
            assertThat(writer.failed()).as("writes that failed after the client's retries (ok " + writer.ok() + ", retries "
                    + writer.retries() + ")").isZero();
            assertThat(writer.ok()).isGreaterThan(20);
            try (Client c = etcd.client()) {
                assertThat(c.getKVClient().get(Writer.bytes(writer.lastKey())).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
                assertThat(c.getKVClient().get(Writer.bytes("/app/before-upgrade")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
            }
            assertThat(etcd.hasProgressRecord()).isFalse();
            assertThat(etcd.statefulSet().getMetadata().getAnnotations()).doesNotContainKey(PreFlight.WAL_FROM_35);
        }
    }
}
