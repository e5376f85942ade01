package io.etcdops.upgrade;

import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.TestCache;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.jobs.JobProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What happens when an upgrade cannot go on, on one real etcd 3.6.10 cluster: a target image whose etcd cannot start
 * stops the run after its first member (put back on its old image, the others untouched, the cluster healthy, exit 1
 * with the commands to roll back or resume); then an upgrade killed midway (the Job's pod dies) is finished by the
 * next run, which skips the members already done and restores the original update strategy from the progress record.
 */
class StopAndResumeIT {
    /**
     * A release no one ships: the simulation picks etcd binaries by tag version from the test cache, so this version's
     * "etcd" is a script that exits at once, like an image with a broken binary. Created for this test, removed after.
     */
    private static final String BROKEN = "3.6.99";

    @Test
    void brokenTargetStopsAfterFirstMemberHealthy_killedRunIsResumed(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_6_OLD, 3, "RollingUpdate", tmp)) {
            Map<String, String> uids = etcd.podUids();
            Path broken = TestCache.root().resolve("etcd").resolve(BROKEN);
            SimulatedEtcd.Run stopped;
            try {
                installBrokenEtcd(broken, BROKEN);
                stopped = etcd.upgrade("--to-version", BROKEN, "--skip-backup", "--member-timeout", "90s");
            } finally {
                deleteBrokenEtcd(broken);
            }
            assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(1);
            String first = stopped.report().path("order").get(0).asText();
            assertThat(stopped.report().path("stopped-at").asText()).isEqualTo(first);
            assertThat(stopped.report().path("stop-reason").asText()).contains("pod Ready", "does not start");
            assertThat(stopped.report().path("reverted").asText()).contains("back on quay.io/coreos/etcd:v" + EtcdBinaries.V3_6_OLD + " and healthy");
            assertThat(stopped.error()).contains("no other member was touched",
                    "Roll back with: upgrader --statefulset etcd --namespace default --to-version " + EtcdBinaries.V3_6_OLD
                            + " --image quay.io/coreos/etcd:v" + EtcdBinaries.V3_6_OLD,
                    "resume with: upgrader --statefulset etcd --namespace default --to-version " + BROKEN);
            Map<String, String> after = etcd.podUids();
            for (String pod : List.of("etcd-0", "etcd-1", "etcd-2")) {
                if (pod.equals(first)) {
                    assertThat(after.get(pod)).as("the stopped member's pod was replaced").isNotEqualTo(uids.get(pod));
                } else {
                    assertThat(after.get(pod)).as(pod + " untouched").isEqualTo(uids.get(pod));
                }
            }
            etcd.awaitHealthy();
            assertThat(etcd.serverVersions().values()).containsOnly(EtcdBinaries.V3_6_OLD);
            assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_6_OLD);
            assertThat(etcd.strategy()).as("every pod matches the template again, so the strategy is back").isEqualTo("RollingUpdate");
            assertThat(etcd.hasProgressRecord()).isFalse();
            assertThat(etcd.lockFree()).isTrue();
            assertThat(etcd.sim.client().v1().events().list().getItems())
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("UpgradeStopped"));

            // the Job's pod dies after its first member: the next run finishes from the cluster's real state
            JobProcess.Running killed = etcd.upgraderProcess().start("--to-version", EtcdBinaries.V3_6, "--skip-backup",
                    "--lease-duration", "5s");
            Poll.until("the upgrader finished its first member", Duration.ofSeconds(180),
                    () -> completedSteps(etcd) >= 1 || !killed.process().isAlive(), () -> killed.err().getNow(""));
            assertThat(killed.process().isAlive()).as(killed.err().getNow("")).isTrue();
            killed.process().destroyForcibly().waitFor();
            assertThat(etcd.strategy()).as("left mid-upgrade").isEqualTo("OnDelete");
            assertThat(etcd.hasProgressRecord()).isTrue();
            etcd.awaitHealthy();
            awaitLockExpired(etcd);

            SimulatedEtcd.Run resumed = etcd.upgrade("--to-version", EtcdBinaries.V3_6, "--skip-backup");
            assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
            assertThat(resumed.report().path("resumed").asBoolean()).isTrue();
            assertThat(PatchUpgradeIT.list(resumed.report().path("skipped"))).as("members already at the target").isNotEmpty();
            assertThat(resumed.report().path("members")).hasSize(3);
            assertThat(etcd.serverVersions().values()).containsOnly(EtcdBinaries.V3_6);
            assertThat(etcd.strategy()).as("restored from the progress record").isEqualTo("RollingUpdate");
            assertThat(etcd.hasProgressRecord()).isFalse();
            assertThat(etcd.lockFree()).isTrue();
        }
    }

    static int completedSteps(SimulatedEtcd etcd) {
        var a = etcd.statefulSet().getMetadata().getAnnotations();
        String json = a == null ? null : a.get(ProgressRecord.ANNOTATION);
        return json == null ? 0 : new ProgressRecord(etcd.sim.client(), "default", "etcd").read()
                .map(p -> p.completedSteps().size()).orElse(0);
    }

    /** The killed run's Lease is not released; it expires after its duration (5 s) without renewal. */
    static void awaitLockExpired(SimulatedEtcd etcd) {
        Poll.until("the killed run's lock expired", Duration.ofSeconds(60), () -> {
            var l = etcd.sim.client().leases().withName(ClusterLease.leaseName("etcd")).get();
            if (l == null || l.getSpec().getHolderIdentity() == null) {
                return true;
            }
            Instant renewed = l.getSpec().getRenewTime().toInstant();
            return renewed.plusSeconds(l.getSpec().getLeaseDurationSeconds() + 1).isBefore(Instant.now());
        }, () -> "");
    }

    static void installBrokenEtcd(Path dir, String version) throws Exception {
        Files.createDirectories(dir);
        Path etcd = dir.resolve("etcd");
        Files.writeString(etcd, "#!/bin/sh\necho \"etcd " + version + ": broken test binary, cannot start\" >&2\nexit 2\n");
        Files.setPosixFilePermissions(etcd, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path ctl = dir.resolve("etcdctl");
        Files.deleteIfExists(ctl);
        Files.createSymbolicLink(ctl, EtcdBinaries.of(EtcdBinaries.V3_6).etcdctl());
        assertThat(EtcdBinaries.of(version).etcd()).isEqualTo(etcd);
    }

    static void deleteBrokenEtcd(Path dir) throws Exception {
        Files.deleteIfExists(dir.resolve("etcd"));
        Files.deleteIfExists(dir.resolve("etcdctl"));
        Files.deleteIfExists(dir);
    }
}
