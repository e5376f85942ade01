package io.etcdops.core.cli;

import io.etcdops.core.runtime.Json;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotManifest;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `list`: committed snapshots of a cluster, newest first, as a table or JSON. Shared by backup-job and restore-job. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List committed snapshots (those with a manifest), newest first.",
                "With --max-age it is also a backup-age check for any store: the chart runs it beside health-checker, whose image "
                        + "carries no cloud SDK."},
        footer = {"%nExit codes:", "  0  listed (and, with --max-age, the newest is young enough)",
                "  1  store unreachable; with --max-age: no committed snapshot, or the newest is older", "  2  usage error"})
public final class ListSnapshotsCommand implements Callable<Integer> {

    @Mixin
    StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--max-age", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_BACKUP_MAX_AGE}",
            description = "After listing, exit 1 when the newest committed snapshot is older than this (e.g. 25h), or there is "
                    + "none (env ETCD_OPS_BACKUP_MAX_AGE).")
    String maxAge;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Duration limit = maxAge == null || maxAge.isBlank() ? null : Durations.parse(maxAge, "--max-age");
        List<SnapshotCatalog.Entry> entries = print(store, cluster.get(), format, common.out());
        if (limit != null) {
            requireYoungerThan(entries, limit, "--max-age " + maxAge.trim(), Clock.systemUTC());
        }
        return ExitCode.OK.code();
    }

    /** The backup-age check: fails (exit 1) with one line when there is no committed snapshot or the newest is too old. */
    static void requireYoungerThan(List<SnapshotCatalog.Entry> newestFirst, Duration limit, String max, Clock clock) {
        if (newestFirst.isEmpty()) {
            throw JobException.failed("no committed snapshot in the store (" + max + ")");
        }
        SnapshotCatalog.Entry newest = newestFirst.get(0);
        Duration age = Duration.between(newest.time(), clock.instant());
        if (age.compareTo(limit) > 0) {
            throw JobException.failed("the newest committed snapshot " + newest.name() + " is " + Durations.format(age)
                    + " old, more than " + max);
        }
    }

    /** Prints the committed snapshots of {@code cluster}, newest first, and returns them. */
    public static List<SnapshotCatalog.Entry> print(StoreCliOptions storeOptions, String cluster, String format, PrintStream out) throws Exception {
        if (!"table".equals(format) && !"json".equals(format)) {
            throw JobException.usage("--format must be table or json");
        }
        List<SnapshotCatalog.Entry> entries;
        try (SnapshotStore s = storeOptions.open()) {
            s.checkReadAccess();
            entries = new SnapshotCatalog(s, cluster).list();
        } catch (StoreAccessException e) {
            throw JobException.failed(e.getMessage(), e);
        }
        if ("json".equals(format)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SnapshotCatalog.Entry e : entries) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", e.name());
                row.put("manifest", e.manifest());
                rows.add(row);
            }
            out.println(Json.mapper().writeValueAsString(rows));
        } else {
            out.printf("%-28s %12s %10s %12s %8s %-10s %s%n", "NAME", "REVISION", "KEYS", "STORED", "ETCD", "COMPRESS", "ENCRYPTION");
            for (SnapshotCatalog.Entry e : entries) {
                SnapshotManifest m = e.manifest();
                out.printf("%-28s %12d %10d %12s %8s %-10s %s%n", e.name(), m.revision(), m.keyCount(), human(m.object().size()),
                        m.etcdVersion(), m.compression(), m.encrypted() ? "key " + m.encryption().keyId() : "none");
            }
            if (entries.isEmpty()) {
                out.println("(no committed snapshots of cluster '" + cluster + "')");
            }
        }
        return entries;
    }

    static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / 1048576.0);
        }
        return String.format("%.2f GiB", bytes / 1073741824.0);
    }
}
