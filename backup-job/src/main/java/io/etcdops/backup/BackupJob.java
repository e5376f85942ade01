package io.etcdops.backup;

import io.etcdops.core.cli.ClusterNameOption;
import io.etcdops.core.cli.EncryptionKeyOption;
import io.etcdops.core.cli.ListSnapshotsCommand;
import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.kube.JobEventOptions;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.ToolVersion;
import io.etcdops.core.snapshot.Compression;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;

/** backup-job: take a verified snapshot of etcd and store it; `list` and `verify` inspect the store. */
@Command(name = "backup-job", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class, sortOptions = false,
        description = {"Snapshots one healthy etcd member (a caught-up follower first), verifies it (etcd's sha256 trailer "
                + "and a check of the bbolt db as it streams past), compresses and encrypts it, uploads it and writes its manifest last; "
                + "then applies retention."},
        subcommands = {ListSnapshotsCommand.class, VerifySnapshotCommand.class},
        footer = {"%nEnvironment variables: every option above names its variable; etcd connection variables use etcdctl's "
                + "names (ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY, ETCDCTL_USER, ETCDCTL_PASSWORD).",
                "%nExit codes:", "  0  done", "  1  operation failed (etcd or store unreachable, upload failed)",
                "  2  usage or configuration error", "  3  refused for safety (no healthy member to snapshot)",
                "  4  verification failed (the snapshot was corrupt; nothing was committed)"})
public final class BackupJob extends JobCommand {

    @Mixin
    EtcdConnectionOptions etcd;

    @Mixin
    StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Option(names = "--member", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_MEMBER}",
            description = "Snapshot this member (name or hex id) instead of choosing a healthy follower (env ETCD_OPS_MEMBER).")
    String member;

    @Option(names = "--compression", paramLabel = "zstd|gzip|none", defaultValue = "${env:ETCD_OPS_COMPRESSION:-zstd}",
            description = "Compression of the stored object (env ETCD_OPS_COMPRESSION; default ${DEFAULT-VALUE}).")
    String compression;

    @Mixin
    EncryptionKeyOption encryption;

    @Option(names = "--verify", paramLabel = "full|trailer", defaultValue = "${env:ETCD_OPS_VERIFY:-full}",
            description = "full: check etcd's sha256 trailer and the bbolt db as it streams past (revision, keys); trailer: "
                    + "the sha256 trailer only (env ETCD_OPS_VERIFY; default ${DEFAULT-VALUE}).")
    String verify;

    @Option(names = "--spool-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Where --verify full keeps its condensed copy of the db (keys and tree pages: 0.6%% of a db of 16 KiB "
                    + "values, 19%% for 250-byte values) and the S3 parts / "
                    + "Azure blocks in flight wait (part size x (parallelism + 1)); default the system temp dir (env ETCD_OPS_SPOOL_DIR).")
    Path spoolDir;

    @Option(names = "--stream-idle-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_STREAM_IDLE_TIMEOUT:-60s}",
            description = "Give up on a member whose snapshot stream sends nothing for this long (env ETCD_OPS_STREAM_IDLE_TIMEOUT; default ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "${env:ETCD_OPS_KEEP_LAST:-0}",
            description = "Retention: keep the newest N snapshots (env ETCD_OPS_KEEP_LAST). All keep options 0 = keep everything.")
    int keepLast;

    @Option(names = "--keep-hourly", paramLabel = "N", defaultValue = "${env:ETCD_OPS_KEEP_HOURLY:-0}",
            description = "Retention: keep the newest snapshot of each of the last N hours (env ETCD_OPS_KEEP_HOURLY).")
    int keepHourly;

    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "${env:ETCD_OPS_KEEP_DAILY:-0}",
            description = "Retention: ... of the last N days, UTC (env ETCD_OPS_KEEP_DAILY).")
    int keepDaily;

    @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "${env:ETCD_OPS_KEEP_WEEKLY:-0}",
            description = "Retention: ... of the last N ISO weeks (env ETCD_OPS_KEEP_WEEKLY).")
    int keepWeekly;

    @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "${env:ETCD_OPS_KEEP_MONTHLY:-0}",
            description = "Retention: ... of the last N months (env ETCD_OPS_KEEP_MONTHLY).")
    int keepMonthly;

    @Option(names = "--keep-within", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_KEEP_WITHIN}",
            description = "Retention: keep every snapshot younger than this, e.g. 48h or 7d (env ETCD_OPS_KEEP_WITHIN).")
    String keepWithin;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "Print the plan (member, object names, what retention would delete) and change nothing (env ETCD_OPS_DRY_RUN).")
    boolean dryRun;

    @Option(names = "--pushgateway-url", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_PUSHGATEWAY_URL}",
            description = "Push etcd_ops_backup_* metrics to this Prometheus Pushgateway (env ETCD_OPS_PUSHGATEWAY_URL).")
    String pushgatewayUrl;


    public BackupJob() {
        super("backup-job");
    }

    public static void main(String[] args) {
        JobRunner.main(new BackupJob(), args);
    }

    @Mixin
    JobEventOptions events;

    @Override
    protected void run(JobReport report) throws Exception {
        BackupSettings settings = settings();
        try (JobEventOptions.Sink sink = events.open("etcd-ops-backup")) {
            try {
                new SnapshotBackup(settings, report).run();
            } catch (Exception | Error e) {
                sink.warning("BackupFailed", "backup to " + settings.store().uri() + " failed: " + e.getMessage());
                throw e;
            }
            if (!settings.dryRun()) {
                sink.normal("BackupSucceeded", "snapshot " + report.get("snapshot-name") + " (revision " + report.get("revision")
                        + ", " + report.get("key-count") + " keys) stored in " + settings.store().uri());
            }
        }
    }

    BackupSettings settings() {
        String mode = verify == null ? "full" : verify.trim().toLowerCase(java.util.Locale.ROOT);
        if (!mode.equals("full") && !mode.equals("trailer")) {
            throw JobException.usage("--verify must be full or trailer, not '" + verify + "'");
        }
        EncryptionKey key = encryption.key();
        RetentionPolicy retention = new RetentionPolicy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly,
                keepWithin == null || keepWithin.isBlank() ? null : Durations.parse(keepWithin, "--keep-within"));
        Duration idle = Durations.parse(idleTimeout, "--stream-idle-timeout");
        return new BackupSettings(etcd.toConfig(), store.location(), store.options(),
                cluster.get(), blank(member), Compression.parse(compression), key,
                mode.equals("full"), spoolDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : spoolDir, idle, retention,
                dryRun, blank(pushgatewayUrl));
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

}
