package io.etcdops.core.cli;

import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotManifest;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `list`: committed snapshots of a cluster, newest first, as a table or JSON. Shared by backup-job and restore-job. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List committed snapshots (those with a manifest), newest first.",
        footer = {"%nExit codes:", "  0  listed", "  1  store unreachable", "  2  usage error"})
public final class ListSnapshotsCommand implements Callable<Integer> {

    @Mixin
    StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        return print(store, cluster.get(), format, common.out());
    }

    public static int print(StoreCliOptions storeOptions, String cluster, String format, PrintStream out) throws Exception {
        if (!"table".equals(format) && !"json".equals(format)) {
            throw JobException.usage("--format must be table or json");
        }
        List<SnapshotCatalog.Entry> entries;
        try (SnapshotStore s = storeOptions.open()) {
            s.checkAccess();
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
            out.println(JobReport.JSON.writeValueAsString(rows));
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
        return ExitCode.OK.code();
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
