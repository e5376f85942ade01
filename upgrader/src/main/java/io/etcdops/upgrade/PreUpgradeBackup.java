package io.etcdops.upgrade;

import io.etcdops.backup.BackupSettings;
import io.etcdops.backup.RetentionPolicy;
import io.etcdops.backup.SnapshotBackup;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.snapshot.Compression;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fresh, verified snapshot taken before any member is touched: backup-job's own code (stream, sha256 trailer and
 * bbolt read, upload, manifest last) with full verification, zstd, no retention (a pre-upgrade snapshot is never
 * pruned by this run). Any failure refuses the upgrade (exit 3): no backup, no upgrade, unless --skip-backup.
 */
final class PreUpgradeBackup {
    private static final List<String> KEPT = List.of("snapshot-uri", "snapshot-name", "manifest-key", "member", "etcd-version",
            "revision", "key-count", "size-bytes", "sha256", "verification", "duration-seconds");

    private PreUpgradeBackup() {
    }

    /** Takes the snapshot; returns the report values that matter for a restore. */
    static Map<String, Object> take(UpgradeSettings s, EtcdConnectionConfig etcd) {
        BackupSettings settings = new BackupSettings(etcd, s.store(), s.storeOptions(), s.cluster(), null, Compression.ZSTD,
                s.key(), true, Path.of(System.getProperty("java.io.tmpdir")), Duration.ofSeconds(60), RetentionPolicy.none(),
                false, null);
        JobReport backupReport = new JobReport("backup-job");
        try {
            new SnapshotBackup(settings, backupReport).run();
        } catch (JobException e) {
            throw JobException.refused("no fresh verified backup, so no upgrade: " + e.getMessage()
                    + " (fix --store, or pass --skip-backup to upgrade without one)");
        } catch (IOException | RuntimeException e) {
            throw JobException.refused("no fresh verified backup, so no upgrade: " + e.getMessage()
                    + " (fix --store, or pass --skip-backup to upgrade without one)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : KEPT) {
            if (backupReport.get(k) != null) {
                out.put(k, backupReport.get(k));
            }
        }
        return out;
    }
}
