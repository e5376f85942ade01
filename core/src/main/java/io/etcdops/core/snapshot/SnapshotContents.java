package io.etcdops.core.snapshot;

import java.util.List;

/**
 * What an etcd snapshot (a bbolt file, with or without etcd's sha256 trailer) holds, as {@link SnapshotInspector}
 * read it. Counts follow {@code etcdutl snapshot status} (3.4/3.5) where it has the same figure.
 *
 * @param revision                 latest main revision in the {@code key} bucket (etcdutl's "revision"); 0 if empty
 * @param compactRevision          {@code meta/finishedCompactRev}: the last compaction that completed; 0 if none
 * @param scheduledCompactRevision {@code meta/scheduledCompactRev}: the last compaction requested (etcd finishes it
 *                                 on start if it is ahead of {@code compactRevision}); 0 if none
 * @param consistentIndex          {@code meta/consistent_index}: the raft index applied; 0 if absent
 * @param term                     {@code meta/term}: the raft term of that index (etcd 3.5+); 0 if absent
 * @param keyRevisions             entries in the {@code key} bucket: every kept revision of every key, tombstones too
 * @param liveKeys                 keys that exist at {@code revision} (what {@code etcdctl get "" --prefix} counts)
 * @param totalKeys                entries over all buckets (etcdutl's "totalKey")
 * @param hash                     crc32c over bucket names, keys and values in bucket order (etcdutl's "hash"),
 *                                 as an unsigned 32-bit value
 * @param buckets                  top-level bucket names, in bbolt order
 * @param pageSize                 bbolt page size in bytes
 * @param dbSize                   bytes of the database: high-water page count times page size (etcdutl's
 *                                 "totalSize"); the file is 32 bytes longer when it has the trailer
 * @param fileSize                 size of the file read
 * @param hasTrailer               the file's length says it ends with etcd's sha256 trailer (not whether it matches;
 *                                 see {@link SnapshotTrailer})
 */
public record SnapshotContents(long revision, long compactRevision, long scheduledCompactRevision,
                               long consistentIndex, long term, long keyRevisions, long liveKeys, long totalKeys,
                               long hash, List<String> buckets, int pageSize, long dbSize, long fileSize,
                               boolean hasTrailer) {

    public SnapshotContents {
        buckets = List.copyOf(buckets);
    }

    /** Placeholder for a snapshot that was not read (e.g. verified by its trailer only): all zero, no buckets. */
    public static SnapshotContents unknown() {
        return new SnapshotContents(0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), 0, 0, 0, false);
    }

    /** False for {@link #unknown()}. */
    public boolean known() {
        return pageSize > 0;
    }

    /**
     * The revision an etcd started from this snapshot resumes at: etcd takes the compact revision when it is higher
     * than the newest revision left in the key bucket (a compaction can remove the newest revisions, e.g. tombstones).
     */
    public long effectiveRevision() {
        return Math.max(revision, compactRevision);
    }
}
