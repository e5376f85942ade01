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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The minor upgrade end to end, as the image runs it (the main class in its own JVM, Kubernetes through the API):
 * real etcd 3.4.23 -> 3.5.16 on 3 members of etcd's docs StatefulSet, with a verified backup to a file store first,
 * a client writing throughout, leadership and quorum recorded; then what can no longer be done is refused.
 */
class MinorUpgradeIT {

    @Test
    void upgrades34To35WithABackupFirst_writerLosesNothing_leaderLast_thenRefusesToGoBack(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_4, 3, "RollingUpdate", tmp)) {
            try (Client c = etcd.client()) {
                c.getKVClient().put(Writer.bytes("/app/before-upgrade"), Writer.bytes("kept")).get(10, TimeUnit.SECONDS);
            }
            Path store = tmp.resolve("store");
            long termBefore = etcd.raftTerm();
            Writer writer = new Writer(etcd);
            LeaderRecorder leaders = new LeaderRecorder(etcd);
            JobProcess.Result result;
            try (writer; leaders) {
                Thread.sleep(1000);
                result = etcd.upgraderProcess().run("--to-version", EtcdBinaries.V3_5_OLD, "--store", store.toUri().toString(),
                        "--cluster-name", "etcd-main");
                Thread.sleep(1000);
            }
            long termAfter = etcd.raftTerm();
            SimulatedEtcd.Run run = SimulatedEtcd.finished(result);
            assertThat(run.exitCode()).as(result.toString()).isZero();
            JsonNode r = PatchUpgradeIT.checkLeaderLast(etcd, run.report(), EtcdBinaries.V3_5_OLD, "minor-upgrade",
                    termAfter - termBefore, leaders);
            assertThat(r.path("from-version").asText()).isEqualTo(EtcdBinaries.V3_4);
            assertThat(r.path("cluster-version").asText()).isEqualTo("3.5");
            for (int i = 0; i < 3; i++) {
                assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_5_OLD).containsEntry("cluster", "3.5.0");
            }

            JsonNode backup = r.path("backup");
            assertThat(backup.path("etcd-version").asText()).as(r.toString()).isEqualTo(EtcdBinaries.V3_4);
            assertThat(backup.path("verification").asText()).isEqualTo("full");
            assertThat(backup.path("snapshot-uri").asText()).startsWith("file:").contains("/etcd-main/");
            try (Stream<Path> files = Files.walk(store)) {
                List<String> names = files.map(p -> p.getFileName().toString()).toList();
                assertThat(names).as("snapshot and its manifest (the commit marker)")
                        .anySatisfy(n -> assertThat(n).endsWith(".db.zst"))
                        .anySatisfy(n -> assertThat(n).endsWith(".json"));
            }

            assertThat(writer.failed()).as("writes that failed after the client's retries (ok " + writer.ok() + ", retries "
                    + writer.retries() + ")").isZero();
            assertThat(writer.ok()).isGreaterThan(20);
            try (Client c = etcd.client()) {
                assertThat(c.getKVClient().get(Writer.bytes(writer.lastKey())).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
                assertThat(c.getKVClient().get(Writer.bytes("/app/before-upgrade")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
            }

            SimulatedEtcd.Run back = etcd.upgrade("--to-version", EtcdBinaries.V3_4, "--skip-backup");
            assertThat(back.exitCode()).as(back.toString()).isEqualTo(3);
            assertThat(back.error()).contains("downgrade across minor versions", "cluster version is already 3.5", "downgrade API");
            SimulatedEtcd.Run to36 = etcd.upgrade("--to-version", "3.6.5", "--skip-backup");
            assertThat(to36.exitCode()).as(to36.toString()).isEqualTo(3);
            assertThat(to36.error()).contains("3.5.32 or later");
            assertThat(etcd.serverVersions().values()).containsOnly(EtcdBinaries.V3_5_OLD);
            assertThat(etcd.hasProgressRecord()).isFalse();
        }
    }
}
