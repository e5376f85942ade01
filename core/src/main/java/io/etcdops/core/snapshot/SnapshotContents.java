package io.etcdops.core.snapshot;

import java.util.List;

/**
 * What an etcd snapshot (a bbolt file, with or without etcd's sha256 trailer) holds, as {@link SnapshotInspector}
 * read it. Counts follow {@code etcdutl snapshot status} where it has the same figure: its "totalKey" is
 * {@link #totalKeys} for etcdutl 3.4/3.5 and {@link #liveKeys} for etcdutl 3.6+ (which changed what it counts).
 *
 * @param revision                 latest main revision in the {@code key} bucket (etcdutl's "revision"); 0 if empty
 * @param compactRevision          {@code meta/finishedCompactRev}: the last compaction that completed; 0 if none
 * @param scheduledCompactRevision {@code meta/scheduledCompactRev}: the last compaction requested (etcd finishes it
 *                                 on start if it is ahead of {@code compactRevision}); 0 if none
 * @param consistentIndex          {@code meta/consistent_index}: the raft index applied; 0 if absent
 * @param term                     {@code meta/term}: the raft term of that index (etcd 3.5+); 0 if absent
 * @param keyRevisions             entries in the {@code key} bucket: every kept revision of every key, tombstones too
 * @param liveKeys                 keys that exist at {@code revision} (what {@code etcdctl get "" --prefix} counts;
 *                                 etcdutl 3.6+'s "totalKey")
 * @param totalKeys                entries over all buckets (etcdutl 3.4/3.5's "totalKey")
 * @param hash                     crc32c over bucket names, keys and values in bucket order (etcdutl's "hash"),
 *                                 as an unsigned 32-bit value
 * @param buckets                  top-level bucket names, in bbolt order
 * @param pageSize                 bbolt page size in bytes
 * @param dbSize                   bytes of the database: high-water page count times page size (etcdutl's
 *                                 "totalSize"); the file is 32 bytes longer when it has the trailer
 * @param fileSize                 size of the file read
 * @param hasTrailer               the file's length says it ends with etcd's sha256 trailer (not whether it matches;
 *                                 see {@link SnapshotTrailer})
 * @param storageVersion           {@code meta/storageVersion}, the db's schema version (etcd 3.6+ write it, e.g.
 *                                 {@code "3.6.0"}; etcdutl's "version"); "" if absent (3.4/3.5)
 * @param clusterVersion           {@code cluster/clusterVersion}, the cluster version recorded in the db (e.g.
 *                                 {@code "3.7.0"}); "" if absent
 */
public record SnapshotContents(long revision, long compactRevision, long scheduledCompactRevision,
                               long consistentIndex, long term, long keyRevisions, long liveKeys, long totalKeys,
                               long hash, List<String> buckets, int pageSize, long dbSize, long fileSize,
                               boolean hasTrailer, String storageVersion, String clusterVersion) {

    public SnapshotContents {
        buckets = List.copyOf(buckets);
        storageVersion = storageVersion == null ? "" : storageVersion;
        clusterVersion = clusterVersion == null ? "" : clusterVersion;
    }

    /** Placeholder for a snapshot that was not read (e.g. verified by its trailer only): all zero, no buckets. */
    public static SnapshotContents unknown() {
        return new SnapshotContents(0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), 0, 0, 0, false, "", "");
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
