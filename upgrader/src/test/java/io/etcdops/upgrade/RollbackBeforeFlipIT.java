package io.etcdops.upgrade;

import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.jobs.JobProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 3.5.36 -> 3.6.16 upgrade that dies midway leaves real etcd on mixed minors with the cluster version still 3.5;
 * the rollback command the upgrader prints (the same tool with the old version) takes every member back to 3.5.36
 * without etcd's downgrade protocol (none is needed: the cluster never ran 3.6).
 */
class RollbackBeforeFlipIT {

    @Test
    void aMinorUpgradeStoppedBeforeTheClusterVersionFlipsRollsBackWithTheSameTool(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_5, 3, "RollingUpdate", tmp)) {
            JobProcess.Running killed = etcd.upgraderProcess().start("--to-version", EtcdBinaries.V3_6, "--skip-backup",
                    "--lease-duration", "5s");
            Poll.until("the upgrader finished its first member", Duration.ofSeconds(180), () -> {
                var p = new ProgressRecord(etcd.sim.client(), "default", "etcd").read();
                return p.map(x -> !x.completedSteps().isEmpty()).orElse(false) || !killed.process().isAlive();
            }, () -> killed.err().getNow(""));
            killed.process().destroyForcibly().waitFor();
            etcd.awaitHealthy();
            assertThat(etcd.serverVersions().values()).as("mixed minors").contains(EtcdBinaries.V3_5, EtcdBinaries.V3_6);
            assertThat(etcd.version(0).get("cluster")).isEqualTo("3.5.0");
            Poll.until("the killed run's lock expired", Duration.ofSeconds(60), () -> {
                var l = etcd.sim.client().leases().withName("etcd-ops-etcd").get();
                return l.getSpec().getRenewTime().toInstant().plusSeconds(6).isBefore(java.time.Instant.now());
            }, () -> "");

            SimulatedEtcd.Run back = etcd.upgrade("--to-version", EtcdBinaries.V3_5, "--image", "quay.io/coreos/etcd:v" + EtcdBinaries.V3_5,
                    "--skip-backup");
            assertThat(back.exitCode()).as(back.toString()).isZero();
            assertThat(back.report().path("path").asText()).isEqualTo("minor-rollback");
            assertThat(PatchUpgradeIT.list(back.report().path("skipped"))).isNotEmpty();
            etcd.awaitHealthy();
            for (int i = 0; i < 3; i++) {
                assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_5).containsEntry("cluster", "3.5.0");
            }
            assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_5);
            assertThat(etcd.strategy()).as("the original strategy, from the killed run's record").isEqualTo("RollingUpdate");
            assertThat(etcd.hasProgressRecord()).isFalse();
        }
    }
}
