package io.etcdops.restore;

import io.etcdops.core.cli.ClusterNameOption;
import io.etcdops.core.cli.EncryptionKeyOption;
import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotContents;
import io.etcdops.core.snapshot.SnapshotFetcher;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreCliOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Which snapshot to restore: a committed one from a store (--store with --snapshot latest|NAME or --before TIME), or
 * a single plain etcd snapshot file (--from), e.g. one taken with `etcdctl snapshot save` — then only etcd's trailer
 * and the bbolt structure can be checked, and the report says so.
 */
public class SnapshotSourceOptions {

    @Mixin
    public StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Option(names = "--snapshot", paramLabel = "NAME|latest", defaultValue = "${env:ETCD_OPS_SNAPSHOT:-latest}",
            description = "Snapshot to restore (env ETCD_OPS_SNAPSHOT; default ${DEFAULT-VALUE}).")
    String snapshot;

    @Option(names = "--before", paramLabel = "TIME", defaultValue = "${env:ETCD_OPS_BEFORE}",
            description = "Restore the newest snapshot taken before this ISO-8601 time, e.g. 2026-11-24T08:00:00Z (env ETCD_OPS_BEFORE).")
    String before;

    @Option(names = "--from", paramLabel = "URI", defaultValue = "${env:ETCD_OPS_FROM}",
            description = "A single plain etcd snapshot file instead of a store: file:///path/snapshot.db or a path (env ETCD_OPS_FROM).")
    String from;

    @Mixin
    EncryptionKeyOption encryption;

    /** A snapshot file on local disk that passed verification. */
    public record LocalSnapshot(Path file, String name, String uri, SnapshotContents contents, boolean fromManifest,
                                String etcdVersion) {
    }

    /** Fetches (or, for --from, copies) and verifies the chosen snapshot into {@code out}. */
    public LocalSnapshot resolve(Path out) throws IOException {
        boolean hasStore = store.store != null && !store.store.isBlank();
        boolean hasFrom = from != null && !from.isBlank();
        if (hasStore == hasFrom) {
            throw JobException.usage("give exactly one of --store (with --snapshot/--before) or --from");
        }
        if (hasFrom) {
            return fromPlainFile(out);
        }
        String clusterName = cluster.get();
        EncryptionKey key = encryption.key();
        try (SnapshotStore s = store.open()) {
            s.checkReadAccess();
            SnapshotCatalog catalog = new SnapshotCatalog(s, clusterName);
            SnapshotCatalog.Entry e = before != null && !before.isBlank() ? catalog.latestBefore(parseTime(before)) : catalog.find(snapshot);
            SnapshotFetcher.Fetched f = SnapshotFetcher.fetch(s, e, key, out);
            String uri = s.uri().toString().replaceAll("/+$", "") + "/" + e.manifest().object().key();
            return new LocalSnapshot(f.file(), e.name(), uri, f.contents(), true, e.manifest().etcdVersion());
        } catch (StoreAccessException e) {
            throw JobException.failed(e.getMessage(), e);
        }
    }

    private LocalSnapshot fromPlainFile(Path out) throws IOException {
        Path src;
        try {
            src = from.startsWith("file:") ? Path.of(URI.create(from)) : Path.of(from);
        } catch (IllegalArgumentException e) {
            throw JobException.usage("--from " + from + ": only local files are accepted (file:///path or a path)");
        }
        if (!Files.isRegularFile(src)) {
            throw JobException.failed("--from " + from + ": snapshot file not found");
        }
        Path tmp = out.resolveSibling("." + out.getFileName() + ".partial");
        Files.createDirectories(tmp.toAbsolutePath().getParent());
        try (InputStream in = Files.newInputStream(src)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            SnapshotContents c = SnapshotFetcher.verifyFile(tmp);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            return new LocalSnapshot(out, src.getFileName().toString(), src.toUri().toString(), c, false, null);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static Instant parseTime(String s) {
        try {
            return Instant.parse(s.trim());
        } catch (DateTimeParseException e) {
            throw JobException.usage("--before '" + s + "' is not an ISO-8601 UTC time like 2026-11-24T08:00:00Z");
        }
    }
}
