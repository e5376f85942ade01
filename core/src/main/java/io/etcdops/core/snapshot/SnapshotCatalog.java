package io.etcdops.core.snapshot;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The committed snapshots of one cluster in a store: those whose manifest exists and names an object that exists.
 * Objects without a manifest are incomplete (a crashed or failed backup) and never offered for restore.
 */
public final class SnapshotCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCatalog.class);

    /** A committed snapshot: its name (the stem), manifest key and manifest. */
    public record Entry(String name, String manifestKey, SnapshotManifest manifest, Instant time) {
    }

    private final SnapshotStore store;
    private final String cluster;

    public SnapshotCatalog(SnapshotStore store, String cluster) {
        this.store = store;
        this.cluster = cluster;
    }

    /** Committed snapshots, newest first. Unreadable manifests are logged and skipped. */
    public List<Entry> list() throws IOException {
        List<StoredObject> objects = store.list(cluster + "/");
        java.util.Set<String> keys = new java.util.HashSet<>();
        objects.forEach(o -> keys.add(o.key()));
        List<Entry> out = new ArrayList<>();
        for (StoredObject o : objects) {
            Optional<Instant> t = SnapshotNames.timeOfManifestKey(o.key());
            if (t.isEmpty() || !SnapshotNames.isOurs(o.key(), cluster)) {
                continue;
            }
            SnapshotManifest m;
            try (InputStream in = store.open(o.key())) {
                m = SnapshotManifest.fromJson(in);
            } catch (IOException e) {
                LOG.warn("skipping unreadable manifest {}: {}", o.key(), e.getMessage());
                continue;
            }
            if (m.object() == null || !keys.contains(m.object().key())) {
                LOG.warn("skipping manifest {}: its object {} is missing", o.key(), m.object() == null ? "?" : m.object().key());
                continue;
            }
            out.add(new Entry(SnapshotNames.nameOfManifestKey(o.key()), o.key(), m, t.get()));
        }
        out.sort(Comparator.comparing(Entry::time).thenComparing(Entry::name).reversed());
        return out;
    }

    /** "latest", a snapshot name (stem, with or without .json) or a manifest key. */
    public Entry find(String selector) throws IOException {
        List<Entry> all = list();
        if (selector == null || selector.isBlank() || selector.equals("latest")) {
            if (all.isEmpty()) {
                throw new JobException(io.etcdops.core.runtime.ExitCode.FAILED,
                        "no committed snapshot of cluster '" + cluster + "' in " + store.uri());
            }
            return all.get(0);
        }
        String name = selector.endsWith(".json") ? SnapshotNames.nameOfManifestKey(selector) : selector;
        if (name.contains("/")) {
            name = name.substring(name.lastIndexOf('/') + 1);
        }
        for (Entry e : all) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw JobException.failed("snapshot '" + selector + "' not found in " + store.uri() + " (cluster '" + cluster
                + "'); list them with 'list --store " + store.uri() + "'");
    }

    /** The newest committed snapshot taken strictly before {@code t}. */
    public Entry latestBefore(Instant t) throws IOException {
        return list().stream().filter(e -> e.time().isBefore(t)).findFirst()
                .orElseThrow(() -> JobException.failed("no committed snapshot of cluster '" + cluster + "' before " + t + " in " + store.uri()));
    }

    public SnapshotStore store() {
        return store;
    }

    public String cluster() {
        return cluster;
    }
}
