package io.etcdops.backup;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdClusterSpec;
import io.etcdops.testkit.etcd.EtcdMember;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.jobs.JobProcess;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input and faults: each gets its documented exit code, a one-line message, and leaves nothing in the store.
 * Every case runs on etcd 3.6.16 (the NOSPACE case too: a backup of a cluster in NOSPACE alarm still succeeds).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupFaultsIT {
    private EtcdCluster cluster;

    @BeforeAll
    void start() {
        cluster = EtcdCluster.start(EtcdBinaries.V3_6, 3);
        for (int i = 0; i < 100; i++) {
            cluster.put("/registry/pods/p" + i, "v" + i);
        }
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    private JobProcess backup() {
        return JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", cluster.endpoints());
    }

    static String errorLine(JobProcess.Result r) {
        return r.stderr().lines().filter(l -> l.contains("ERROR") || l.startsWith("error:")).findFirst().orElse(r.stderr());
    }

    static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void badStoreSchemeIsAUsageError(@TempDir Path tmp) {
        JobProcess.Result r = backup().run("--store", "ftp://host/x");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(errorLine(r)).contains("unsupported scheme 'ftp'");
        JobProcess.Result malformed = backup().run("--store", "s3://");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(errorLine(malformed)).contains("is not a valid URI");
        JobProcess.Result noBucket = backup().run("--store", "s3:///prefix");
        assertThat(noBucket.exitCode()).isEqualTo(2);
        assertThat(errorLine(noBucket)).contains("missing bucket");
        JobProcess.Result relative = backup().run("--store", "file:relative/path");
        assertThat(relative.exitCode()).isEqualTo(2);
        assertThat(errorLine(relative)).contains("absolute path");
    }

    @Test
    void missingStoreIsAUsageError() {
        JobProcess.Result r = backup().run();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(errorLine(r)).contains("--store is required");
    }

    @Test
    void unreachableEndpointFailsWithExit1AndOneLine(@TempDir Path tmp) {
        JobProcess.Result r = JobProcess.of(BackupJob.class.getName())
                .run("--endpoints", "http://127.0.0.1:" + FreePorts.next(), "--dial-timeout", "1s", "--command-timeout", "2s",
                        "--store", "file://" + tmp);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(errorLine(r)).contains("127.0.0.1");
        assertThat(r.reportLine()).contains("\"status\":\"failed\"");
    }

    @Test
    void keyFileOfTheWrongLengthIsAUsageError(@TempDir Path tmp) throws IOException {
        Path key = tmp.resolve("key");
        Files.writeString(key, "too-short");
        JobProcess.Result r = backup().run("--store", "file://" + tmp.resolve("s"), "--encryption-key-file", key.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(errorLine(r)).contains("the key must be 32 bytes");
        JobProcess.Result missing = backup().run("--store", "file://" + tmp.resolve("s"), "--encryption-key-file", tmp.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(filesUnder(tmp.resolve("s"))).isEmpty();
    }

    @Test
    void wrongKeyIsRejectedAtVerifyAndTheRightOneRestoresByteIdentical(@TempDir Path tmp) throws IOException {
        Path key = tmp.resolve("key");
        Path other = tmp.resolve("other");
        Files.writeString(key, "a".repeat(64));
        Files.writeString(other, "b".repeat(64));
        String store = "file://" + tmp.resolve("s");
        assertThat(backup().run("--store", store, "--encryption-key-file", key.toString()).exitCode()).isZero();
        JobProcess.Result good = JobProcess.of(BackupJob.class.getName()).run("verify", "--store", store, "--encryption-key-file", key.toString());
        assertThat(good.exitCode()).as(good.toString()).isZero();
        assertThat(good.reportLine()).contains("\"verification\":\"passed\"");
        JobProcess.Result wrong = JobProcess.of(BackupJob.class.getName()).run("verify", "--store", store, "--encryption-key-file", other.toString());
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(4);
        assertThat(errorLine(wrong)).contains("wrong encryption key");
        JobProcess.Result none = JobProcess.of(BackupJob.class.getName()).run("verify", "--store", store);
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(errorLine(none)).contains("is encrypted");
    }

    @Test
    void bitFlippedOrTruncatedObjectFailsVerificationWithExit4(@TempDir Path tmp) throws IOException {
        for (String compression : new String[] {"none", "zstd"}) {
            Path dir = tmp.resolve("s-" + compression);
            String store = "file://" + dir;
            assertThat(backup().run("--store", store, "--compression", compression).exitCode()).isZero();
            Path object = filesUnder(dir).stream().filter(p -> p.toString().contains(".db")).findFirst().orElseThrow();
            byte[] original = Files.readAllBytes(object);
            byte[] flipped = original.clone();
            flipped[flipped.length / 2] ^= 0x10;
            Files.write(object, flipped);
            JobProcess.Result r = JobProcess.of(BackupJob.class.getName()).run("verify", "--store", store);
            assertThat(r.exitCode()).as(compression + ": " + r).isEqualTo(4);
            Files.write(object, java.util.Arrays.copyOf(original, original.length / 2));
            JobProcess.Result t = JobProcess.of(BackupJob.class.getName()).run("verify", "--store", store);
            assertThat(t.exitCode()).as(compression + " truncated: " + t).isEqualTo(4);
        }
    }

    @Test
    void memberKilledMidStreamIsRetriedElsewhereAndLeavesNoPartialObject(@TempDir Path tmp) throws Exception {
        try (EtcdCluster big = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_6, 3))) {
            // small values: the check's condensed copy in the spool (keys and tree pages) grows steadily
            big.fill(48L * 1024 * 1024, 4 * 1024);
            Path spool = Files.createDirectories(tmp.resolve("spool"));
            Path store = tmp.resolve("s");
            JobProcess.Running running = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", big.endpoints())
                    .start("--store", "file://" + store, "--compression", "gzip", "--spool-dir", spool.toString());
            String killed = null;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (killed == null && System.nanoTime() < deadline && running.process().isAlive()) {
                try (Stream<Path> s = Files.list(spool)) {
                    for (Path p : s.toList()) {
                        if (Files.size(p) >= 256 * 1024) {
                            for (EtcdMember m : big.members()) {
                                if (p.getFileName().toString().contains("-" + m.name() + "-")) {
                                    m.kill();
                                    killed = m.name();
                                }
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the spool file vanished between list and size
                }
                Thread.sleep(5);
            }
            JobProcess.Result r = running.await();
            assertThat(killed).as("the test killed the member being snapshotted mid-stream").isNotNull();
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.reportLine()).doesNotContain("\"member\":\"" + killed + "\"");
            assertThat(r.stderr()).contains("trying another member");
            List<Path> files = filesUnder(store);
            assertThat(files).as("exactly one object and one manifest, no partial leftovers").hasSize(2);
            assertThat(filesUnder(spool)).as("spool cleaned").isEmpty();
        }
    }

    @Test
    void spoolDiskFullFailsWithExit1AndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("tiny"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mnt.toString()).start();
        Assumptions.assumeTrue(p.waitFor() == 0, "needs root to mount a 128 KiB tmpfs as a full disk");
        try (EtcdCluster many = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            // 8k small keys: the check's condensed copy (keys and tree pages, ~600 KiB) does not fit
            many.fill(4L * 1024 * 1024, 512);
            Path store = tmp.resolve("s");
            JobProcess.Result r = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", many.endpoints())
                    .run("--store", "file://" + store, "--spool-dir", mnt.toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(errorLine(r)).contains("spool").contains("disk full");
            assertThat(filesUnder(store)).isEmpty();
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void backupStillWorksDuringANospaceAlarm(@TempDir Path tmp) throws Exception {
        try (EtcdCluster small = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_6, 3).withQuota(4L * 1024 * 1024))) {
            // etcd checks the quota against the size of its last committed batch (every 100 ms): a fast fill can end
            // before any write sees the db over 4 MiB, so fill in rounds until a write fails; rewriting the same keys
            // still grows the db (no compaction here). (A CI run's single 8 MiB fill reported no error: the filler
            // also dropped refused writes when it pruned its finished ones, which it no longer does.)
            String fill = fillUntilRefused(small, 8);
            // the member that hit the quota proposes the alarm through raft: it may be listed a moment after the
            // failed write
            Poll.until("the NOSPACE alarm", Duration.ofSeconds(10),
                    () -> small.etcdctl("alarm", "list").contains("NOSPACE"), () -> fill);
            JobProcess.Result r = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", small.endpoints())
                    .run("--store", "file://" + tmp.resolve("s"));
            assertThat(r.exitCode()).as("the alarm is exactly when a backup is wanted: " + r).isZero();
        }
    }

    /** Fills 4 MiB at a time until etcd refuses a write; returns how the fill ended, for a failure message. */
    private static String fillUntilRefused(EtcdCluster cluster, int rounds) throws InterruptedException {
        for (int i = 1; i <= rounds; i++) {
            try {
                cluster.fill(4L * 1024 * 1024, 16 * 1024);
            } catch (IllegalStateException refused) {
                return "round " + i + ": " + refused.getMessage();
            }
            Thread.sleep(200); // two batch intervals: the next round sees the size of what this one wrote
        }
        return "no write was refused in " + rounds + " rounds of 4 MiB";
    }

    @Test
    void failedBackupNeverRunsRetention(@TempDir Path tmp) throws IOException {
        String store = "file://" + tmp.resolve("s");
        assertThat(backup().run("--store", store).exitCode()).isZero();
        List<Path> before = filesUnder(tmp.resolve("s"));
        JobProcess.Result r = JobProcess.of(BackupJob.class.getName())
                .run("--endpoints", "http://127.0.0.1:" + FreePorts.next(), "--dial-timeout", "1s", "--store", store, "--keep-last", "1",
                        "--keep-within", "1s");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(filesUnder(tmp.resolve("s"))).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void foreignObjectsAreNeverTouchedAndTheNewestAreKept(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("s");
        Path foreign = dir.resolve("etcd/notes.txt");
        Files.createDirectories(foreign.getParent());
        Files.writeString(foreign, "not ours", StandardOpenOption.CREATE);
        Path foreignDb = dir.resolve("etcd/manual-snapshot.db");
        Files.writeString(foreignDb, "not ours either");
        for (int i = 0; i < 3; i++) {
            JobProcess.Result r = backup().run("--store", "file://" + dir, "--keep-last", "2");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            Thread.sleep(1100); // names carry second resolution
        }
        JobProcess.Result dry = backup().run("--store", "file://" + dir, "--keep-last", "1", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.reportLine()).contains("retention-would-delete");
        assertThat(filesUnder(dir).stream().filter(p -> p.toString().endsWith(".json")).count()).as("dry run deletes nothing").isEqualTo(2);
        assertThat(foreign).exists();
        assertThat(foreignDb).exists();
    }
}
