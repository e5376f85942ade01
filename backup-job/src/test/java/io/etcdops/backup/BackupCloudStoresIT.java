package io.etcdops.backup;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotFetcher;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStores;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import io.etcdops.testkit.objectstore.AzuriteServer;
import io.etcdops.testkit.objectstore.S3ProxyServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * backup-job into real object-store servers: S3 (S3Proxy, a real S3 API server) and Azure Blob (Azurite). Each
 * backup is listed, verified, downloaded and restored with etcd's own tool, and every key compared. GCS has no
 * server that runs here: its store is covered by the contract test against Google's in-memory fake. Every case
 * runs on etcd 3.6.16: the store side does not depend on etcd's version (3.7.3's stream and restore are covered by
 * BackupFileStoreIT and restore-job's SnapshotRestoreMatrixIT; a second S3 round trip cost 30 s of the IT budget).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupCloudStoresIT {

    static JobProcess s3Job(String mainClassEndpoints) {
        S3ProxyServer s3 = S3ProxyServer.shared();
        return JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", mainClassEndpoints)
                .env("AWS_ACCESS_KEY_ID", s3.accessKey()).env("AWS_SECRET_ACCESS_KEY", s3.secretKey())
                .env("ETCD_OPS_S3_ENDPOINT", s3.endpoint().toString()).env("ETCD_OPS_S3_PATH_STYLE", "true");
    }

    static StoreOptions s3Options() {
        return StoreOptions.defaults().withS3(S3ProxyServer.shared().endpoint().toString(), true, "us-east-1");
    }

    @Order(1)
    @ParameterizedTest(name = "S3 (S3Proxy), etcd {0}")
    @ValueSource(strings = {EtcdBinaries.V3_6})
    void s3RoundTrip(String version, @TempDir Path tmp) throws Exception {
        String bucket = "b-" + UUID.randomUUID().toString().substring(0, 8);
        S3ProxyServer.shared().createBucket(bucket);
        Path key = tmp.resolve("key");
        Files.writeString(key, "c".repeat(64));
        try (EtcdCluster cluster = EtcdCluster.start(version, 3)) {
            cluster.fill(6L * 1024 * 1024, 4096); // several 5 MiB parts uncompressed: exercises multipart
            RestoredMember.Dump before = RestoredMember.dump(cluster.endpoints(), null);
            String store = "s3://" + bucket + "/etcd-backups";
            JobProcess.Result r = s3Job(cluster.endpoints())
                    .run("--store", store, "--compression", "none", "--encryption-key-file", key.toString(), "--part-size-mib", "5");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            System.setProperty("aws.accessKeyId", S3ProxyServer.shared().accessKey());
            System.setProperty("aws.secretAccessKey", S3ProxyServer.shared().secretKey());
            JobProcess.Result list = s3Job(cluster.endpoints()).run("list", "--store", store);
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(list.stdout()).contains("-r" + before.revision());
            // the backup-age check for cloud stores (health-checker's image carries no cloud SDK)
            JobProcess.Result fresh = s3Job(cluster.endpoints()).env("ETCD_OPS_BACKUP_MAX_AGE", "1h").run("list", "--store", store);
            assertThat(fresh.exitCode()).as(fresh.toString()).isZero();
            Thread.sleep(1_100);
            JobProcess.Result stale = s3Job(cluster.endpoints()).run("list", "--store", store, "--max-age", "1s");
            assertThat(stale.exitCode()).as(stale.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(stale)).contains("the newest committed snapshot").contains("more than --max-age 1s");
            JobProcess.Result none = s3Job(cluster.endpoints()).run("list", "--store", "s3://" + bucket + "/elsewhere", "--max-age", "25h");
            assertThat(none.exitCode()).as(none.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(none)).contains("no committed snapshot in the store (--max-age 25h)");
            JobProcess.Result verify = s3Job(cluster.endpoints()).run("verify", "--store", store, "--encryption-key-file", key.toString());
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            assertRestores(SnapshotStores.open(store, s3Options()), EncryptionKey.fromFile(key), version, before, tmp);
        }
    }

    @Order(2)
    @Test
    void azureRoundTripThroughAzurite(@TempDir Path tmp) throws Exception {
        AzuriteServer az = AzuriteServer.shared();
        String container = "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        BlobContainerClient cc = new BlobServiceClientBuilder().connectionString(az.connectionString()).buildClient()
                .getBlobContainerClient(container);
        cc.create();
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 3)) {
            cluster.fill(3L * 1024 * 1024, 4096);
            RestoredMember.Dump before = RestoredMember.dump(cluster.endpoints(), null);
            String store = "azblob://" + az.accountName() + "/" + container + "/etcd";
            JobProcess.Result r = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", cluster.endpoints())
                    .env("AZURE_STORAGE_KEY", az.accountKey())
                    .run("--store", store, "--azure-endpoint", az.endpoint(), "--part-size-mib", "5");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(cc.listBlobs().stream().map(b -> b.getName()).toList()).anyMatch(n -> n.endsWith(".db.zst"))
                    .anyMatch(n -> n.endsWith(".json"));
            JobProcess.Result missing = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", cluster.endpoints())
                    .env("AZURE_STORAGE_KEY", az.accountKey())
                    .run("--store", "azblob://" + az.accountName() + "/no-such-container/etcd", "--azure-endpoint", az.endpoint());
            assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(missing)).contains("no-such-container");
            JobProcess.Result wrongKey = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", cluster.endpoints())
                    .env("AZURE_STORAGE_KEY", java.util.Base64.getEncoder().encodeToString(new byte[64]))
                    .run("--store", store, "--azure-endpoint", az.endpoint());
            assertThat(wrongKey.exitCode()).as(wrongKey.toString()).isEqualTo(1);
        }
    }

    @Order(3)
    @Test
    void s3MissingBucketAndWrongCredentialsFailWithExit1(@TempDir Path tmp) throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            JobProcess.Result missing = s3Job(cluster.endpoints()).run("--store", "s3://no-such-bucket-xyz/etcd");
            assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(missing)).contains("no-such-bucket-xyz");
            S3ProxyServer.shared().createBucket("creds-test");
            JobProcess.Result wrong = s3Job(cluster.endpoints()).env("AWS_SECRET_ACCESS_KEY", "wrong-secret")
                    .run("--store", "s3://creds-test/etcd");
            assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(wrong)).containsIgnoringCase("credentials");
        }
    }

    @Order(4)
    @Test
    void s3StoppedMidUploadFailsAndCommitsNothing(@TempDir Path tmp) throws Exception {
        S3ProxyServer s3 = S3ProxyServer.shared();
        String bucket = "stop-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(bucket);
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            // 2 KiB values: the bbolt check's condensed copy in the spool (keys and tree pages) grows with the stream
            cluster.fill(80L * 1024 * 1024, 2 * 1024);
            Path spool = Files.createDirectories(tmp.resolve("spool"));
            JobProcess.Running running = s3Job(cluster.endpoints())
                    .start("--store", "s3://" + bucket + "/etcd", "--compression", "none", "--part-size-mib", "5",
                            "--upload-parallelism", "1", "--spool-dir", spool.toString());
            // With backpressure the snapshot advances only as fast as parts are uploaded: once the condensed copy has
            // 512 KiB (about a sixth of the stream, ~14 MiB), parts of 5 MiB are on their way to S3. Stop the server then.
            boolean stoppedWhileRunning = false;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!stoppedWhileRunning && running.process().isAlive() && System.nanoTime() < deadline) {
                try (var files = Files.list(spool)) {
                    for (Path p : files.toList()) {
                        if (Files.size(p) >= 512 * 1024) {
                            s3.stop();
                            stoppedWhileRunning = running.process().isAlive();
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // spool file vanished between list and size
                }
                Thread.sleep(5);
            }
            JobProcess.Result r = running.await();
            s3.start();
            assertThat(stoppedWhileRunning).as("the store was stopped while the upload ran").isTrue();
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(r)).contains("upload");
            try (SnapshotStore store = SnapshotStores.open("s3://" + bucket + "/etcd", s3Options())) {
                assertThat(store.list("")).as("no object, no manifest").isEmpty();
                // The abort could not reach the stopped server; the incomplete multipart upload is visible to retention
                // (cleaned once older than a day) and is not restorable.
                assertThat(new SnapshotCatalog(store, "etcd").list()).isEmpty();
            }
        }
    }

    @Order(5)
    @Test
    void s3PartsInFlightWaitInTheSpoolDirectorySoATinyOneFailsTheBackupWithExit1(@TempDir Path tmp) throws Exception {
        Path tiny = Files.createDirectories(tmp.resolve("tiny"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tiny.toString()).start();
        Assumptions.assumeTrue(mount.waitFor() == 0, "needs root to mount a 1 MiB tmpfs as a full spool disk");
        S3ProxyServer s3 = S3ProxyServer.shared();
        String bucket = "tiny-" + UUID.randomUUID().toString().substring(0, 8);
        s3.createBucket(bucket);
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            cluster.fill(12L * 1024 * 1024, 32 * 1024);
            // --verify trailer: no condensed copy either, so only the 5 MiB part files can fill the 1 MiB disk
            JobProcess.Result r = s3Job(cluster.endpoints()).run("--store", "s3://" + bucket + "/etcd",
                    "--compression", "none", "--verify", "trailer", "--spool-dir", tiny.toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(BackupFaultsIT.errorLine(r)).contains("writing an upload part in " + tiny)
                    .contains("is the disk full?").contains("the partial upload was aborted");
            try (SnapshotStore store = SnapshotStores.open("s3://" + bucket + "/etcd", s3Options())) {
                assertThat(store.list("")).as("no object, no manifest").isEmpty();
                assertThat(store.listIncomplete("")).as("the multipart upload was aborted").isEmpty();
            }
            try (var left = Files.list(tiny)) {
                assertThat(left).as("no part file left in the spool directory").isEmpty();
            }
        } finally {
            new ProcessBuilder("umount", tiny.toString()).start().waitFor();
        }
    }

    static void assertRestores(SnapshotStore store, EncryptionKey key, String version, RestoredMember.Dump before, Path tmp) throws Exception {
        try (store) {
            SnapshotCatalog.Entry e = new SnapshotCatalog(store, "etcd").find("latest");
            Path db = tmp.resolve("fetched.db");
            SnapshotFetcher.fetch(store, e, key, db);
            try (RestoredMember m = RestoredMember.restore(version, db)) {
                RestoredMember.Dump after = m.dump();
                assertThat(after.kvs()).isEqualTo(before.kvs());
                assertThat(after.revision()).isEqualTo(before.revision());
            }
        }
    }
}
