package io.etcdops.core.snapshot;

import io.etcdops.core.bbolt.BoltEntryVisitor;
import io.etcdops.core.bbolt.BoltFile;
import io.etcdops.core.bbolt.BoltFormatException;
import io.etcdops.core.bbolt.BoltMeta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads an etcd snapshot file in one pass over its bbolt pages and says what it holds ({@link SnapshotContents}),
 * failing with a {@link SnapshotVerificationException} when the file is not an intact etcd db. Memory stays small:
 * one page per tree level; the live keys are counted without keeping them ({@link LiveKeyCounter}), except for a
 * snapshot taken in the middle of a compaction (8-16 bytes per live key then).
 *
 * <p>etcd's layout, from its mvcc store and schema (3.4/3.5): bucket {@code key} maps a 17-byte revision (8-byte
 * big-endian main revision, '_', 8-byte big-endian sub revision; an 18th byte 't' marks a tombstone) to an
 * {@code mvccpb.KeyValue}; bucket {@code meta} holds {@code finishedCompactRev} and {@code scheduledCompactRev}
 * (revision bytes), {@code consistent_index} and {@code term} (8 bytes, big-endian), and from 3.6 on
 * {@code storageVersion} (text, e.g. "3.6.0"); bucket {@code cluster} holds {@code clusterVersion} (text). 3.6 and 3.7
 * keep membership only in the db (buckets {@code members}, {@code members_removed}, {@code cluster}): the same ten
 * buckets 3.4 and 3.5 wrote next to their v2 store, so the walk is the same on every version.
 */
public final class SnapshotInspector {
    private static final String KEY_BUCKET = "key";
    private static final String META_BUCKET = "meta";
    private static final String CLUSTER_BUCKET = "cluster";

    private SnapshotInspector() {
    }

    /**
     * Reads {@code file} (a snapshot with or without its trailer), checking the bbolt structure, both meta pages and
     * the shape of etcd's data. Does not check the sha256 trailer: see {@link #verify(Path, boolean)}.
     */
    public static SnapshotContents inspect(Path file) throws IOException, SnapshotVerificationException {
        BoltFile bolt;
        try {
            bolt = BoltFile.open(file);
        } catch (BoltFormatException e) {
            throw unreadable(e);
        }
        try (bolt) {
            return inspect(bolt, true);
        }
    }

    /**
     * Checks {@code bolt} as {@link #inspect(Path)} does.
     *
     * @param hashValues whether to compute etcdutl's hash: false for a condensed copy
     *                   ({@link StreamedSnapshotCheck}), whose values are stand-ins; {@link SnapshotContents#hash()}
     *                   is 0 then
     */
    static SnapshotContents inspect(BoltFile bolt, boolean hashValues) throws IOException, SnapshotVerificationException {
        try {
            for (BoltMeta m : bolt.metaPages()) {
                // bbolt would fall back to the other meta page, but etcd writes both intact: one bad page is damage
                if (!m.valid()) {
                    throw new SnapshotVerificationException("snapshot bbolt meta page " + m.pageId() + " is corrupt: "
                            + m.problem());
                }
            }
            return new Pass(bolt, hashValues).run();
        } catch (BoltFormatException e) {
            throw unreadable(e);
        } catch (EtcdDataException e) {
            throw new SnapshotVerificationException("snapshot is not an etcd database: " + e.getMessage(), e);
        }
    }

    static SnapshotVerificationException unreadable(BoltFormatException e) {
        return new SnapshotVerificationException("snapshot is not a readable bbolt database: " + e.getMessage(), e);
    }

    /** Checks etcd's sha256 trailer (a plain db without one passes only if {@code allowNoTrailer}), then inspects. */
    public static SnapshotContents verify(Path file, boolean allowNoTrailer)
            throws IOException, SnapshotVerificationException {
        SnapshotTrailer.require(SnapshotTrailer.check(file), allowNoTrailer);
        return inspect(file);
    }

    /** etcd data that bbolt stores fine but etcd never writes (a malformed revision key, a KeyValue without key). */
    static final class EtcdDataException extends IOException {
        EtcdDataException(String message) {
            super(message);
        }
    }

    /** One read of one file: every bucket, in order, feeding the etcdutl hash and the etcd-specific figures. */
    private static final class Pass {
        private final BoltFile bolt;
        private final boolean hashValues;
        private final CRC32C hash = new CRC32C();
        /** The pages are read-only buffers: CRC32C would copy each into a fresh array (270 MB per GiB); this is reused. */
        private final byte[] hashScratch = new byte[8192];
        private final KeyValueFields kv = new KeyValueFields();
        private LiveKeyCounter liveKeys;
        private long totalKeys;
        private long keyRevisions;
        private long revision;
        private long compactRevision;
        private long scheduledCompactRevision;
        private long consistentIndex;
        private long term;
        private String storageVersion = "";
        private String clusterVersion = "";

        Pass(BoltFile bolt, boolean hashValues) {
            this.bolt = bolt;
            this.hashValues = hashValues;
        }

        SnapshotContents run() throws IOException {
            // bucket meta first (it sorts after bucket key): the compaction state decides how live keys are counted
            bolt.forEach(META_BUCKET, new BoltEntryVisitor() {
                @Override
                public void entry(ByteBuffer key, ByteBuffer value) throws IOException {
                    metaEntry(key, value);
                }

                @Override
                public void nestedBucket(ByteBuffer key) {
                    // none in etcd's meta bucket
                }
            });
            liveKeys = LiveKeyCounter.forCompaction(compactRevision, scheduledCompactRevision);
            List<String> names = new ArrayList<>();
            for (byte[] name : bolt.bucketNames()) {
                String bucket = new String(name, StandardCharsets.UTF_8);
                names.add(bucket);
                hash.update(name);
                bolt.forEach(name, new BoltEntryVisitor() {
                    @Override
                    public void entry(ByteBuffer key, ByteBuffer value) throws IOException {
                        hash(key);
                        hash(value);
                        totalKeys++;
                        if (bucket.equals(KEY_BUCKET)) {
                            keyRevision(key, value);
                        } else if (bucket.equals(CLUSTER_BUCKET) && text(key).equals("clusterVersion")) {
                            clusterVersion = text(value);
                        }
                    }

                    @Override
                    public void nestedBucket(ByteBuffer key) {
                        // etcdutl's ForEach reports a nested bucket as its name with a nil value
                        hash(key);
                        totalKeys++;
                    }
                });
            }
            return new SnapshotContents(revision, compactRevision, scheduledCompactRevision, consistentIndex, term,
                    keyRevisions, liveKeys.count(), totalKeys, hashValues ? hash.getValue() : 0, names, bolt.pageSize(),
                    bolt.dataSize(), bolt.fileSize(), SnapshotTrailer.hasTrailerBySize(bolt.fileSize()), storageVersion,
                    clusterVersion);
        }

        private static String text(ByteBuffer b) {
            return b.remaining() > 64 ? "" : StandardCharsets.ISO_8859_1.decode(b.duplicate()).toString();
        }

        private void hash(ByteBuffer b) {
            if (!hashValues) {
                return;
            }
            for (int p = b.position(), end = b.limit(); p < end; ) {
                int n = Math.min(hashScratch.length, end - p);
                b.get(p, hashScratch, 0, n);
                hash.update(hashScratch, 0, n);
                p += n;
            }
        }

        private void keyRevision(ByteBuffer key, ByteBuffer value) throws EtcdDataException {
            ByteBuffer k = key.duplicate().order(ByteOrder.BIG_ENDIAN);
            int p = k.position();
            int len = k.remaining();
            boolean tombstone = len == 18 && k.get(p + 17) == 't';
            if ((len != 17 && !tombstone) || k.get(p + 8) != '_') {
                throw new EtcdDataException("bucket key holds a " + len + "-byte key that is not an etcd revision");
            }
            long main = k.getLong(p);
            if (main <= 0 || main < revision) {
                throw new EtcdDataException("bucket key holds revision " + main + " after revision " + revision);
            }
            revision = main;
            keyRevisions++;
            if (!kv.parse(value, main)) {
                return; // the revision marker a restore with --bump-revision leaves: no key lives or dies here
            }
            if (tombstone) {
                liveKeys.tombstone(main, kv.key);
            } else {
                liveKeys.put(main, kv.key, kv.version);
            }
        }

        private void metaEntry(ByteBuffer key, ByteBuffer value) throws EtcdDataException {
            String name = StandardCharsets.ISO_8859_1.decode(key.duplicate()).toString();
            switch (name) {
                case "storageVersion" -> storageVersion = text(value);
                case "finishedCompactRev" -> compactRevision = leadingLong(name, value);
                case "scheduledCompactRev" -> scheduledCompactRevision = leadingLong(name, value);
                case "consistent_index" -> consistentIndex = leadingLong(name, value);
                case "term" -> term = leadingLong(name, value);
                default -> {
                    // confState, ...: not needed here
                }
            }
        }

        /** Both encodings used in bucket meta (8-byte integer, 17-byte revision) start with a big-endian int64. */
        private static long leadingLong(String name, ByteBuffer value) throws EtcdDataException {
            if (value.remaining() < 8) {
                throw new EtcdDataException("meta/" + name + " has " + value.remaining() + " bytes, expected 8 or 17");
            }
            return value.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(value.position());
        }
    }

    /** Fields 1 ({@code key}) and 4 ({@code version}) of an {@code mvccpb.KeyValue} protobuf; one instance per pass. */
    static final class KeyValueFields {
        ByteBuffer key;
        long version;

        /** Reads the fields of {@code keyValue}; false for a KeyValue without a key. */
        boolean parse(ByteBuffer keyValue, long revision) throws EtcdDataException {
            key = null;
            version = 0;
            ByteBuffer b = keyValue.duplicate();
            while (b.hasRemaining()) {
                long tag = varint(b, revision);
                int field = (int) (tag >>> 3);
                switch ((int) (tag & 7)) {
                    case 0 -> {
                        long v = varint(b, revision);
                        if (field == 4) {
                            version = v;
                        }
                    }
                    case 1 -> skip(b, 8, revision);
                    case 5 -> skip(b, 4, revision);
                    case 2 -> {
                        long n = varint(b, revision);
                        if (n > b.remaining()) {
                            throw malformed(revision);
                        }
                        if (field == 1) {
                            key = b.slice(b.position(), (int) n);
                        }
                        skip(b, n, revision);
                    }
                    default -> throw malformed(revision);
                }
            }
            // etcdutl's --bump-revision writes an empty KeyValue at the bumped revision: a revision with no key
            return key != null;
        }

        private static long varint(ByteBuffer b, long revision) throws EtcdDataException {
            long result = 0;
            for (int shift = 0; shift < 64 && b.hasRemaining(); shift += 7) {
                byte x = b.get();
                result |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return result;
                }
            }
            throw malformed(revision);
        }

        private static void skip(ByteBuffer b, long n, long revision) throws EtcdDataException {
            if (n > b.remaining()) {
                throw malformed(revision);
            }
            b.position(b.position() + (int) n);
        }

        private static EtcdDataException malformed(long revision) {
            return new EtcdDataException("the value at revision " + revision + " is not a KeyValue protobuf");
        }
    }
}
