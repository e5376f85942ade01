package io.etcdops.upgrade;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.TestCache;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cross-minor downgrades through etcd's protocol on one real 3-member cluster (real 3.7.3, 3.6.16 and 3.5.36 binaries in
 * the Kubernetes simulation): a dry run changes nothing; a downgrade whose target etcd cannot start stops at its first
 * member before any binary changed, and etcd's downgrade job is cancelled (the cluster version goes back to 3.7); a
 * downgrade 3.7.3 -> 3.6.16 whose Job dies after one member is resumed by the next run; then 3.6.16 -> 3.5.36 in one
 * run, leader last. The same keys are there after each step.
 */
class DowngradeIT {
    /** A release no one ships: its "etcd" exits at once (a broken image), installed for this test only. */
    private static final String BROKEN_36 = "3.6.99";
    private static final int KEYS = 200;

    @Test
    void downgrades37To36To35ThroughEtcdsProtocol_stopBeforeBinariesCancels_killedRunResumes(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_7, 3, "RollingUpdate", tmp)) {
            etcd.putKeys(KEYS);
            Map<String, String> uids = etcd.podUids();

            SimulatedEtcd.Run dry = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--dry-run");
            assertThat(dry.exitCode()).as(dry.toString()).isZero();
            assertThat(dry.report().path("path").asText()).isEqualTo("minor-downgrade");
            assertThat(dry.report().path("plan").path("steps").toString()).contains("downgrade validate 3.6 (passed)",
                    "downgrade enable 3.6", "storage version 3.6.0", "move leadership");
            assertThat(etcd.podUids()).isEqualTo(uids);
            assertThat(etcd.version(0).get("cluster")).isEqualTo("3.7.0");
            assertThat(etcd.versionStatus(0).downgradeEnabled()).as("a dry run enables nothing").isFalse();

            Path broken = TestCache.root().resolve("etcd").resolve(BROKEN_36);
            SimulatedEtcd.Run stopped;
            try {
                StopAndResumeIT.installBrokenEtcd(broken, BROKEN_36);
                stopped = etcd.upgrade("--to-version", BROKEN_36, "--skip-backup", "--member-timeout", "60s");
            } finally {
                StopAndResumeIT.deleteBrokenEtcd(broken);
            }
            assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(1);
            assertThat(stopped.report().path("downgrade").path("storage-version").asText()).as(stopped.toString())
                    .isEqualTo("3.6.0 on every member");
            assertThat(stopped.report().path("reverted").asText()).contains("back on quay.io/coreos/etcd:v" + EtcdBinaries.V3_7);
            assertThat(stopped.error()).contains("downgrade job: cancelled");
            etcd.awaitHealthy();
            Poll.until("cluster version back to 3.7 after downgrade cancel", Duration.ofSeconds(60),
                    () -> "3.7.0".equals(etcd.version(0).get("cluster")), () -> etcd.version(0).toString());
            IntStream.range(0, 3).forEach(i -> assertThat(etcd.versionStatus(i).downgradeEnabled()).isFalse());
            assertThat(etcd.serverVersions().values()).containsOnly(EtcdBinaries.V3_7);
            assertThat(etcd.strategy()).isEqualTo("RollingUpdate");
            assertThat(etcd.hasProgressRecord()).isFalse();
            assertThat(etcd.keysIntact(KEYS)).isEqualTo(KEYS);

            // 3.7.3 -> 3.6.16; the Job's pod dies after its first member: etcd's downgrade stays enabled, the next run ends it
            JobProcess.Running killed = etcd.upgraderProcess().start("--to-version", EtcdBinaries.V3_6, "--skip-backup",
                    "--lease-duration", "5s");
            Poll.until("the downgrade finished its first member", Duration.ofSeconds(180),
                    () -> StopAndResumeIT.completedSteps(etcd) >= 1 || !killed.process().isAlive(), () -> killed.err().getNow(""));
            assertThat(killed.process().isAlive()).as(killed.err().getNow("")).isTrue();
            killed.process().destroyForcibly().waitFor();
            etcd.awaitHealthy();
            assertThat(etcd.serverVersions().values()).as("mixed minors").contains(EtcdBinaries.V3_6, EtcdBinaries.V3_7);
            assertThat(etcd.version(0).get("cluster")).isEqualTo("3.6.0");
            assertThat(etcd.versionStatus(0).downgradeEnabled()).isTrue();
            assertThat(etcd.keysIntact(KEYS)).isEqualTo(KEYS);
            StopAndResumeIT.awaitLockExpired(etcd);
            Map<String, String> midway = etcd.podUids();
            SimulatedEtcd.Run up = etcd.upgrade("--to-version", EtcdBinaries.V3_7, "--skip-backup");
            assertThat(up.exitCode()).as(up.toString()).isEqualTo(3);
            assertThat(up.error()).contains("has a downgrade to 3.6.0 enabled", "etcdctl downgrade cancel");
            assertThat(etcd.podUids()).as("nothing touched").isEqualTo(midway);

            SimulatedEtcd.Run resumed = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--skip-backup");
            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            assertThat(resumed.report().path("path").asText()).isEqualTo("minor-downgrade");
            assertThat(resumed.report().path("resumed").asBoolean()).isTrue();
            assertThat(resumed.report().path("downgrade").path("enable").asText()).startsWith("already enabled");
            assertThat(resumed.report().path("downgrade-finished").asBoolean()).as(resumed.toString()).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_6).containsEntry("cluster", "3.6.0");
                assertThat(etcd.versionStatus(i).storageVersion()).isEqualTo("3.6.0");
                assertThat(etcd.versionStatus(i).downgradeEnabled()).isFalse();
            }
            assertThat(etcd.keysIntact(KEYS)).isEqualTo(KEYS);

            var r = PatchUpgradeIT.upgradeLeaderLast(etcd, EtcdBinaries.V3_5, "minor-downgrade");
            assertThat(r.path("downgrade").path("storage-version").asText()).isEqualTo("3.5.0 on every member");
            for (int i = 0; i < 3; i++) {
                assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_5).containsEntry("cluster", "3.5.0");
            }
            assertThat(etcd.keysIntact(KEYS)).isEqualTo(KEYS);
        }
    }
}
