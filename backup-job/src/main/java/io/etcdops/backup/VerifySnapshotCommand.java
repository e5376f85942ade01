package io.etcdops.backup;

import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.ReportingCommand;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotFetcher;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `verify`: download, decrypt, decompress and check a committed snapshot end to end; exit 4 on any mismatch. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Download a committed snapshot and check it: object sha256 and size, db sha256, etcd's trailer, bbolt read (revision, keys).",
        footer = {"%nExit codes:", "  0  verified", "  1  store unreachable or snapshot not found", "  2  usage error",
                "  4  verification failed (corrupt object, wrong key)"})
public final class VerifySnapshotCommand implements Callable<Integer>, ReportingCommand {

    @Mixin
    StoreCliOptions store;

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_CLUSTER_NAME:-etcd}",
            description = "Cluster name in the store layout (env ETCD_OPS_CLUSTER_NAME; default ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--snapshot", paramLabel = "NAME|latest", defaultValue = "${env:ETCD_OPS_SNAPSHOT:-latest}",
            description = "Which snapshot (env ETCD_OPS_SNAPSHOT; default ${DEFAULT-VALUE}).")
    String snapshot;

    @Option(names = "--encryption-key-file", paramLabel = "FILE", defaultValue = "${env:ETCD_OPS_ENCRYPTION_KEY_FILE}",
            description = "Key of encrypted snapshots (env ETCD_OPS_ENCRYPTION_KEY_FILE, or ETCD_OPS_ENCRYPTION_KEY).")
    Path encryptionKeyFile;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Where the downloaded copy is checked (default the system temp dir) (env ETCD_OPS_SPOOL_DIR).")
    Path spoolDir;

    @Mixin
    CommonOptions common;

    private final JobReport report = new JobReport("backup-job verify");

    @Override
    public Integer call() throws Exception {
        String cluster = SnapshotNames.validateCluster(clusterName);
        EncryptionKey key = EncryptionKey.fromFileOrEnv(encryptionKeyFile);
        Path dir = spoolDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : spoolDir;
        try (SnapshotStore s = store.open()) {
            s.checkAccess();
            SnapshotCatalog.Entry e = new SnapshotCatalog(s, cluster).find(snapshot);
            Path out = dir.resolve("etcd-ops-verify-" + e.name() + ".db");
            try {
                SnapshotFetcher.Fetched f = SnapshotFetcher.fetch(s, e, key, out);
                report.put("snapshot-name", e.name()).put("revision", f.contents().effectiveRevision())
                        .put("key-count", f.contents().liveKeys()).put("db-size-bytes", Files.size(out))
                        .put("sha256", e.manifest().object().sha256()).put("verification", "passed");
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (StoreAccessException e) {
            throw JobException.failed(e.getMessage(), e);
        }
        report.finish(ExitCode.OK, null, common.outputDir, System.out);
        return 0;
    }

    @Override
    public JobReport report() {
        return report;
    }

    @Override
    public CommonOptions common() {
        return common;
    }
}
