package io.etcdops.backup;

import io.etcdops.core.cli.ClusterNameOption;
import io.etcdops.core.cli.EncryptionKeyOption;
import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotFetcher;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** `verify`: download, decrypt, decompress and check a committed snapshot end to end; exit 4 on any mismatch. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Download a committed snapshot and check it: object sha256 and size, db sha256, etcd's trailer, bbolt read (revision, keys).",
        footer = {"%nExit codes:", "  0  verified", "  1  store unreachable or snapshot not found", "  2  usage error",
                "  4  verification failed (corrupt object, wrong key)"})
public final class VerifySnapshotCommand extends JobCommand {

    @Mixin
    StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Option(names = "--snapshot", paramLabel = "NAME|latest", defaultValue = "${env:ETCD_OPS_SNAPSHOT:-latest}",
            description = "Which snapshot (env ETCD_OPS_SNAPSHOT; default ${DEFAULT-VALUE}).")
    String snapshot;

    @Mixin
    EncryptionKeyOption encryption;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Where the check keeps its condensed copy of the db (keys and tree pages, ~1%% of the db; default "
                    + "the system temp dir) (env ETCD_OPS_SPOOL_DIR).")
    Path spoolDir;


    public VerifySnapshotCommand() {
        super("backup-job verify");
    }

    @Override
    protected void run(JobReport report) throws Exception {
        EncryptionKey key = encryption.key();
        Path dir = spoolDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : spoolDir;
        try (SnapshotStore s = store.open()) {
            s.checkReadAccess();
            SnapshotCatalog.Entry e = new SnapshotCatalog(s, cluster.get()).find(snapshot);
            SnapshotFetcher.Verified v = SnapshotFetcher.verify(s, e, key, dir);
            report.put("snapshot-name", e.name()).put("revision", v.contents().effectiveRevision())
                    .put("key-count", v.contents().liveKeys()).put("db-size-bytes", v.rawSize())
                    .put("sha256", e.manifest().object().sha256()).put("verification", "passed");
        } catch (StoreAccessException e) {
            throw JobException.failed(e.getMessage(), e);
        }
    }

}
