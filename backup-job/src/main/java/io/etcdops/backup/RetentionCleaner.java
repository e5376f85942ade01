package io.etcdops.backup;

import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.store.IncompleteUpload;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies a {@link RetentionPolicy} to one cluster's snapshots — only after a successful, verified backup (the caller
 * guarantees it). Deletes a snapshot's manifest first (it stops being restorable at once), then its object. Also
 * removes what failed backups left behind, once older than a day: incomplete uploads and objects of ours that no
 * manifest names. Objects whose names we do not write are never touched.
 */
public final class RetentionCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionCleaner.class);
    static final Duration INCOMPLETE_GRACE = Duration.ofDays(1);

    public record Outcome(List<String> deleted, List<String> kept, List<String> cleanedIncomplete) {
    }

    private final SnapshotStore store;
    private final String cluster;

    public RetentionCleaner(SnapshotStore store, String cluster) {
        this.store = store;
        this.cluster = cluster;
    }

    public Outcome apply(RetentionPolicy policy, Instant now, boolean dryRun) throws IOException {
        SnapshotCatalog catalog = new SnapshotCatalog(store, cluster);
        List<SnapshotCatalog.Entry> entries = catalog.list();
        List<String> deleted = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (RetentionPlan.Decision d : RetentionPlan.decide(entries, policy, now)) {
            if (d.keep()) {
                kept.add(d.entry().name());
                continue;
            }
            LOG.info("{} snapshot {} (no retention rule keeps it)", dryRun ? "would delete" : "deleting", d.entry().name());
            if (!dryRun) {
                store.delete(d.entry().manifestKey());
                store.delete(d.entry().manifest().object().key());
            }
            deleted.add(d.entry().name());
        }
        List<String> cleaned = cleanIncomplete(entries, now, dryRun);
        return new Outcome(deleted, kept, cleaned);
    }

    private List<String> cleanIncomplete(List<SnapshotCatalog.Entry> committed, Instant now, boolean dryRun) throws IOException {
        Instant cutoff = now.minus(INCOMPLETE_GRACE);
        List<String> cleaned = new ArrayList<>();
        for (IncompleteUpload u : store.listIncomplete(cluster + "/")) {
            if (u.started().isBefore(cutoff) && SnapshotNames.isOurs(u.key(), cluster)) {
                LOG.info("{} incomplete upload {} started {}", dryRun ? "would discard" : "discarding", u.key(), u.started());
                if (!dryRun) {
                    store.discard(u);
                }
                cleaned.add(u.key());
            }
        }
        Set<String> named = new HashSet<>();
        for (SnapshotCatalog.Entry e : committed) {
            named.add(e.manifestKey());
            named.add(e.manifest().object().key());
        }
        for (StoredObject o : store.list(cluster + "/")) {
            boolean orphan = SnapshotNames.isOurs(o.key(), cluster) && !o.key().endsWith(".json") && !named.contains(o.key());
            if (orphan && o.lastModified().isBefore(cutoff)) {
                LOG.info("{} orphan object {} (no manifest; a failed backup)", dryRun ? "would delete" : "deleting", o.key());
                if (!dryRun) {
                    store.delete(o.key());
                }
                cleaned.add(o.key());
            }
        }
        return cleaned;
    }
}
