package io.etcdops.backup;

import io.etcdops.core.runtime.Json;
import tools.jackson.databind.JsonNode;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotFetcher;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.FileSnapshotStore;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * backup-job end to end against real 3-member clusters into a file:// store; the snapshot is then restored with
 * etcd's own etcdutl/etcdctl of the same version into a fresh member and every key and the revision are compared.
 * Versions: etcd 3.6.16 (the default) and 3.7.3 for every compression/encryption case, 3.5.36 for compatibility
 * (no storage version in the stream or the manifest).
 */
class BackupFileStoreIT {

    @ParameterizedTest(name = "etcd {0}, compression {1}, encrypted {2}")
    @CsvSource({"3.5.36,zstd,false", "3.6.16,zstd,true", "3.6.16,gzip,false", "3.7.3,none,true"})
    void backupRestoresToTheSameKeysAndRevision(String version, String compression, boolean encrypted, @TempDir Path tmp) throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(version, 3)) {
            for (int i = 0; i < 300; i++) {
                cluster.put("/registry/configmaps/ns/cm-" + i, "{\"data\":{\"i\":\"" + i + "\"}}");
            }
            cluster.put("/registry/configmaps/ns/cm-1", "overwritten");
            cluster.etcdctl("del", "/registry/configmaps/ns/cm-2");
            RestoredMember.Dump before = RestoredMember.dump(cluster.endpoints(), null);

            Path store = tmp.resolve("store");
            Path keyFile = tmp.resolve("key");
            Files.writeString(keyFile, java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B'));
            JobProcess job = JobProcess.of(BackupJob.class.getName());
            if (encrypted) {
                job.env("ETCD_OPS_ENCRYPTION_KEY_FILE", keyFile.toString());
            }
            JobProcess.Result r = job.env("ETCDCTL_ENDPOINTS", cluster.endpoints())
                    .run("--store", "file://" + store, "--cluster-name", "prod", "--compression", compression,
                            "--output-dir", tmp.resolve("out").toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();

            JsonNode report = Json.mapper().readTree(r.reportLine());
            assertThat(report.get("status").asText()).isEqualTo("succeeded");
            assertThat(report.get("revision").asLong()).isEqualTo(before.revision());
            assertThat(report.get("key-count").asLong()).isEqualTo(before.kvs().size());
            assertThat(report.get("member").asText()).as("a follower is snapshotted, not the leader")
                    .isNotEqualTo(leaderName(cluster));
            for (String f : new String[] {"snapshot-uri", "revision", "size-bytes", "sha256", "duration-seconds"}) {
                assertThat(tmp.resolve("out").resolve(f)).as("output file " + f).exists();
            }
            assertThat(Files.readString(tmp.resolve("out/snapshot-uri"))).startsWith("file://" + store + "/prod/")
                    .endsWith(".db" + (compression.equals("zstd") ? ".zst" : compression.equals("gzip") ? ".gz" : "") + (encrypted ? ".enc" : ""));

            // etcd 3.6+ report their storage version ("3.6.0") in the snapshot stream and in the db: the manifest keeps it
            String storage = EtcdBinaries.atLeast36(version) ? EtcdBinaries.minor(version) + ".0" : null;
            assertThat(report.get("storage-version").asText()).isEqualTo(storage == null ? "" : storage);
            try (FileSnapshotStore s = new FileSnapshotStore(StoreLocation.parse("file://" + store))) {
                SnapshotCatalog.Entry e = new SnapshotCatalog(s, "prod").find("latest");
                assertThat(e.manifest().encrypted()).isEqualTo(encrypted);
                assertThat(e.manifest().storageVersion()).isEqualTo(storage);
                assertThat(e.manifest().etcdVersion()).isEqualTo(version);
                Path db = tmp.resolve("fetched.db");
                SnapshotFetcher.fetch(s, e, encrypted ? io.etcdops.core.crypto.EncryptionKey.fromFile(keyFile) : null, db);
                try (RestoredMember restored = RestoredMember.restore(version, db)) {
                    RestoredMember.Dump after = restored.dump();
                    assertThat(after.kvs()).isEqualTo(before.kvs());
                    assertThat(after.revision()).isEqualTo(before.revision());
                }
            }
        }
    }

    /** --verify trailer reads no bbolt: the manifest's storage version is the one etcd 3.6+ put in the stream. */
    @ParameterizedTest(name = "etcd {0}, --verify trailer")
    @org.junit.jupiter.params.provider.ValueSource(strings = {EtcdBinaries.V3_5, EtcdBinaries.V3_7})
    void withoutTheBboltReadTheStorageVersionComesFromTheStream(String version, @TempDir Path tmp) throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(version, 1)) {
            cluster.put("/registry/a", "b");
            Path store = tmp.resolve("store");
            JobProcess.Result r = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", cluster.endpoints())
                    .run("--store", "file://" + store, "--verify", "trailer");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            try (FileSnapshotStore s = new FileSnapshotStore(StoreLocation.parse("file://" + store))) {
                SnapshotCatalog.Entry e = new SnapshotCatalog(s, "etcd").find("latest");
                assertThat(e.manifest().verification().bbolt()).isFalse();
                assertThat(e.manifest().storageVersion()).isEqualTo(EtcdBinaries.atLeast36(version) ? EtcdBinaries.minor(version) + ".0" : null);
            }
        }
    }

    static String leaderName(EtcdCluster cluster) throws Exception {
        try (var c = cluster.client()) {
            long leader = c.getMaintenanceClient().statusMember(cluster.member(0).clientUrl()).get().getLeader();
            return c.getClusterClient().listMember().get().getMembers().stream().filter(m -> m.getId() == leader)
                    .findFirst().orElseThrow().getName();
        }
    }
}
