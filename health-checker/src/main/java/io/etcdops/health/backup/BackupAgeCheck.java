package io.etcdops.health.backup;

import io.etcdops.core.snapshot.SnapshotCatalog;
import io.etcdops.core.store.SnapshotStore;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Reads the store's catalog of committed snapshots (manifest present, object present) and reports the newest one's
 * age. Incomplete uploads (no manifest) do not count: a backup that cannot be restored is no backup.
 */
public final class BackupAgeCheck {

    private final Clock clock;

    public BackupAgeCheck(Clock clock) {
        this.clock = clock;
    }

    public BackupAge check(SnapshotStore store, String cluster) {
        String uri = store.uri().toString();
        try {
            List<SnapshotCatalog.Entry> entries = new SnapshotCatalog(store, cluster).list();
            if (entries.isEmpty()) {
                return new BackupAge(uri, cluster, null, null, null, 0, null);
            }
            SnapshotCatalog.Entry newest = entries.get(0);
            long age = Math.max(0, Duration.between(newest.time(), clock.instant()).getSeconds());
            return new BackupAge(uri, cluster, newest.name(), newest.time(), age, entries.size(), null);
        } catch (Exception e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new BackupAge(uri, cluster, null, null, null, 0, msg);
        }
    }
}
