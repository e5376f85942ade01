package io.etcdops.core.snapshot;

import java.nio.ByteBuffer;

/**
 * Counts the keys alive at a snapshot's revision while its {@code key} bucket is read in revision order.
 *
 * <p>When the last compaction has finished ({@link #forCompaction}: scheduled ≤ finished), the count needs no memory
 * per key. A key's history is a list of generations, each a run of puts ended by a tombstone (or still open); a
 * compaction at revision C removes every generation that ended at or before C, and from the others every revision
 * at or before C except the latest. So each generation left in the bucket starts with exactly one entry that is
 * either its creation ({@code version == 1}) or the one revision ≤ C kept of it, and each tombstone after C ends one
 * of them: live keys = those starts − those tombstones. A tombstone at exactly C is the one kept revision of a
 * generation whose puts are gone (etcd 3.5 keeps it, 3.4 removes it): it ends nothing that was counted.
 * (etcd's {@code keyIndex.compact} and {@code scheduleCompaction}; {@code LiveKeyCountIT} checks the count against
 * etcd's own over random histories.)
 *
 * <p>While a compaction is half done (scheduled > finished: etcd was snapshotted mid-compaction, and restarts it on
 * start-up) revisions at or before the scheduled one may or may not be gone yet, and only a set of the keys counts
 * right: {@link KeyHashSet}, 8–16 bytes per key.
 */
abstract class LiveKeyCounter {

    static LiveKeyCounter forCompaction(long finishedCompactRevision, long scheduledCompactRevision) {
        return scheduledCompactRevision > finishedCompactRevision
                ? new ByKeySet()
                : new ByGenerations(finishedCompactRevision);
    }

    /** A put at {@code revision} of {@code key} ({@code version}: its number within the key's generation, from 1). */
    abstract void put(long revision, ByteBuffer key, long version);

    /** A delete of {@code key} at {@code revision}. */
    abstract void tombstone(long revision, ByteBuffer key);

    abstract long count();

    /** Generation starts minus tombstones: constant memory. */
    static final class ByGenerations extends LiveKeyCounter {
        private final long compactRevision;
        private long count;

        ByGenerations(long compactRevision) {
            this.compactRevision = compactRevision;
        }

        @Override
        void put(long revision, ByteBuffer key, long version) {
            if (version == 1 || revision <= compactRevision) {
                count++;
            }
        }

        @Override
        void tombstone(long revision, ByteBuffer key) {
            if (revision > compactRevision) {
                count--;
            }
        }

        @Override
        long count() {
            return count;
        }
    }

    /** The set of keys alive so far, as 64-bit hashes. */
    static final class ByKeySet extends LiveKeyCounter {
        private final KeyHashSet keys = new KeyHashSet();

        @Override
        void put(long revision, ByteBuffer key, long version) {
            keys.add(KeyHashSet.hash(key));
        }

        @Override
        void tombstone(long revision, ByteBuffer key) {
            keys.remove(KeyHashSet.hash(key));
        }

        @Override
        long count() {
            return keys.size();
        }
    }
}
