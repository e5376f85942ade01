package io.etcdops.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.etcdops.backup.BackupJob;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdMember;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * restore-job local on real clusters: back up, destroy, restore all three members, start them, compare every key and
 * the revision. etcd 3.6.16: the Kubernetes-safe bump, a watch from an old revision that must be told "compacted",
 * every restored member a voter; the faults. etcd 3.4.23 only for an old 3.4 snapshot restored with 3.4's etcdctl.
 * Every version pair (3.4-3.7 snapshots, 3.5-3.7 etcdutl) is in {@link SnapshotRestoreMatrixIT}.
 */
class LocalRestoreIT {

    static void write(EtcdCluster c) {
        for (int i = 0; i < 200; i++) {
            c.put("/registry/secrets/ns/s-" + i, "{\"data\":\"" + i + "\"}");
        }
        c.put("/registry/secrets/ns/s-7", "changed");
        c.etcdctl("del", "/registry/secrets/ns/s-8");
    }

    static JobProcess restoreJob(EtcdCluster c) {
        Path bin = c.member(0).binaries().etcd().getParent();
        return JobProcess.of(RestoreJob.class.getName()).env("PATH", bin + ":" + System.getenv("PATH"));
    }

    static void startAll(EtcdCluster c) {
        c.members().forEach(EtcdMember::start);
        c.waitHealthy(Duration.ofSeconds(30));
    }

    @Test
    void etcd36_backupJobSnapshot_restoresAllMembersWithBumpAndCompactedWatch(@TempDir Path tmp) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_6, 3)) {
            write(c);
            RestoredMember.Dump before = RestoredMember.dump(c.endpoints(), null);
            String store = "file://" + tmp.resolve("store");
            JobProcess.Result b = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", c.endpoints()).run("--store", store);
            assertThat(b.exitCode()).as(b.toString()).isZero();

            JobProcess.Result inUse = restoreJob(c).run("local", "--store", store, "--initial-cluster", c.initialCluster(),
                    "--all-members", "--data-dir-template", c.dir().resolve("{name}.etcd").toString());
            assertThat(inUse.exitCode()).as("running members' data dirs are refused: " + inUse).isEqualTo(3);
            assertThat(inUse.stderr()).contains("in use by a running process");

            c.members().forEach(EtcdMember::kill); // disaster
            Path outDir = tmp.resolve("out");
            JobProcess.Result r = restoreJob(c).run("local", "--store", store, "--initial-cluster", c.initialCluster(),
                    "--all-members", "--data-dir-template", c.dir().resolve("{name}.etcd").toString(), "--output-dir", outDir.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            long restoredRevision = Long.parseLong(Files.readString(outDir.resolve("restored-revision")));
            assertThat(restoredRevision).isEqualTo(before.revision() + 1_000_000_000L);
            assertThat(r.reportLine()).contains("\"storage-version\":\"3.6.0\"").contains("etcdutl 3.6.16");
            try (Stream<Path> s = Files.list(c.dir())) {
                assertThat(s.filter(p -> p.getFileName().toString().contains(".etcd.bak-")).count())
                        .as("old data dirs moved aside, not deleted").isEqualTo(3);
            }

            startAll(c);
            RestoredMember.Dump after = RestoredMember.dump(c.endpoints(), null);
            assertThat(after.kvs()).isEqualTo(before.kvs());
            assertThat(after.revision()).isEqualTo(before.revision() + 1_000_000_000L);
            try (Client client = c.client()) {
                // etcdutl makes every --initial-cluster entry a voter: the three members, none a learner
                assertThat(client.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
                        .extracting(m -> m.getName() + (m.isLearner() ? " (learner)" : ""))
                        .containsExactlyInAnyOrder("m0", "m1", "m2");
                CompletableFuture<Throwable> watchError = new CompletableFuture<>();
                Watch.Listener l = Watch.listener((WatchResponse wr) -> { }, watchError::complete);
                try (Watch.Watcher w = client.getWatchClient().watch(ByteSequence.from("/registry/", StandardCharsets.UTF_8),
                        WatchOption.builder().isPrefix(true).withRevision(before.revision()).build(), l)) {
                    Throwable t = watchError.get(10, TimeUnit.SECONDS);
                    assertThat(t.toString()).as("a watcher resuming from the old revision must relist").containsIgnoringCase("compact");
                }
            }
            // the restored cluster (with etcdutl's empty revision marker at the bumped revision) backs up and verifies
            JobProcess.Result again = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", c.endpoints())
                    .run("--store", "file://" + tmp.resolve("store2"));
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.reportLine()).contains("\"revision\":" + (before.revision() + 1_000_000_000L))
                    .contains("\"key-count\":" + before.kvs().size());
        }
    }

    @Test
    void etcd34_plainEtcdctlSnapshot_restoresAllMembersAndNeedsAnExplicitNoBump(@TempDir Path tmp) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_4, 3)) {
            write(c);
            RestoredMember.Dump before = RestoredMember.dump(c.endpoints(), null);
            Path snap = tmp.resolve("plain.db");
            c.etcdctlAt(c.member(1).clientUrl(), "snapshot", "save", snap.toString());
            c.members().forEach(EtcdMember::kill);
            String[] common = {"local", "--from", snap.toString(), "--initial-cluster", c.initialCluster(), "--all-members",
                    "--data-dir-template", c.dir().resolve("{name}.etcd").toString()};
            JobProcess.Result refused = restoreJob(c).run(common);
            assertThat(refused.exitCode()).as("etcdctl 3.4 cannot bump; that must be said, not skipped: " + refused).isEqualTo(2);
            assertThat(refused.stderr()).contains("cannot --bump-revision");
            try (Stream<Path> s = Files.list(c.dir())) {
                assertThat(s.noneMatch(p -> p.getFileName().toString().contains(".bak-"))).as("nothing touched").isTrue();
            }
            String[] noBump = java.util.Arrays.copyOf(common, common.length + 2);
            noBump[common.length] = "--bump-revision";
            noBump[common.length + 1] = "0";
            JobProcess.Result r = restoreJob(c).run(noBump);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.reportLine()).contains("plain snapshot file: only etcd's sha256 trailer and the bbolt structure were checked");
            startAll(c);
            RestoredMember.Dump after = RestoredMember.dump(c.endpoints(), null);
            assertThat(after.kvs()).isEqualTo(before.kvs());
            assertThat(after.revision()).isEqualTo(before.revision());
        }
    }

    @Test
    void faultsAreRefusedAndTouchNothing(@TempDir Path tmp) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            write(c);
            Path storeDir = tmp.resolve("store");
            String store = "file://" + storeDir;
            assertThat(JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", c.endpoints()).run("--store", store).exitCode()).isZero();
            c.member(0).kill();
            Path dataDir = c.member(0).dataDir();
            long filesBefore = countFiles(dataDir);
            String[] base = {"local", "--store", store, "--name", "m0", "--initial-cluster", c.initialCluster(), "--data-dir", dataDir.toString()};

            JobProcess.Result notFound = restoreJob(c).run(concat(base, "--snapshot", "20200101T000000Z-r1"));
            assertThat(notFound.exitCode()).isEqualTo(1);
            assertThat(notFound.stderr()).contains("not found");

            JobProcess.Result noTool = JobProcess.of(RestoreJob.class.getName()).env("PATH", "/nonexistent").run(base);
            assertThat(noTool.exitCode()).isEqualTo(1);
            assertThat(noTool.stderr()).contains("no etcdutl or etcdctl");

            // etcd 3.6's etcdctl has no 'snapshot restore': a usage error that names etcdutl
            JobProcess.Result ctl36 = restoreJob(c).run(concat(base, "--etcdutl", c.member(0).binaries().etcdctl().toString()));
            assertThat(ctl36.exitCode()).as(ctl36.toString()).isEqualTo(2);
            assertThat(ctl36.stderr()).contains("does not support 'snapshot restore'", "etcdctl 3.6+ has none", "--etcdutl");

            Path object;
            try (Stream<Path> s = Files.walk(storeDir)) {
                object = s.filter(p -> p.toString().contains(".db")).findFirst().orElseThrow();
            }
            byte[] orig = Files.readAllBytes(object);
            byte[] bad = orig.clone();
            bad[bad.length / 3] ^= 1;
            Files.write(object, bad);
            JobProcess.Result corrupt = restoreJob(c).run(base);
            assertThat(corrupt.exitCode()).as(corrupt.toString()).isEqualTo(4);
            JobProcess.Result drillBad = restoreJob(c).run("drill", "--store", store);
            assertThat(drillBad.exitCode()).isEqualTo(4);
            assertThat(countFiles(dataDir)).as("data dir untouched").isEqualTo(filesBefore);
            try (Stream<Path> s = Files.list(dataDir.getParent())) {
                assertThat(s.noneMatch(p -> p.getFileName().toString().contains(".bak-"))).isTrue();
            }
            Files.write(object, orig);
            JobProcess.Result drill = restoreJob(c).run("drill", "--store", store);
            assertThat(drill.exitCode()).as(drill.toString()).isZero();
            assertThat(drill.reportLine()).contains("\"seconds-to-healthy\"");
        }
    }

    static long countFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.count();
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
