package io.etcdops.core.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One of the two meta pages of a bbolt file (page 0 and page 1), as bbolt's {@code common.Meta} lays it out after the
 * 16-byte page header: magic u32, version u32, pageSize u32, flags u32, root bucket {pgid u64, sequence u64},
 * freelist pgid u64, high-water pgid u64, txid u64, checksum u64 (FNV-1a 64 over the 56 bytes before it).
 * Little-endian: bbolt writes its structs in native order and etcd only runs on little-endian platforms.
 *
 * @param problem null when the page is valid; otherwise why bbolt would reject it
 */
public record BoltMeta(long pageId, int pageFlags, long magic, long version, long pageSize, long flags, long rootPgid,
                       long rootSequence, long freelistPgid, long highWaterPgid, long txid, long checksum,
                       String problem) {

    public static final long MAGIC = 0xED0CDAEDL;
    public static final long VERSION = 2;
    /** bbolt's {@code PgidNoFreelist}: the freelist is not persisted (etcd runs bbolt with NoFreelistSync). */
    public static final long NO_FREELIST = 0xFFFFFFFFFFFFFFFFL;
    /** Bytes from the start of a meta page to the end of the meta struct. */
    static final int END_OFFSET = BoltPage.HEADER_SIZE + 64;

    private static final int CHECKSUMMED_BYTES = 56;
    private static final long FNV64_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV64_PRIME = 0x100000001b3L;

    public boolean valid() {
        return problem == null;
    }

    /** Bytes the database occupies according to this meta: high-water mark times page size (bbolt's tx.Size()). */
    public long dataSize() {
        return highWaterPgid * pageSize;
    }

    /**
     * Parses the meta page that starts at {@code page}'s position 0 (at least {@link #END_OFFSET} bytes).
     *
     * @param expectedPageId where the page was read from (0 or 1), to check the header's id against
     */
    static BoltMeta parse(ByteBuffer page, long expectedPageId) {
        ByteBuffer b = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long headerId = b.getLong(0);
        int pageFlags = Short.toUnsignedInt(b.getShort(8));
        int m = BoltPage.HEADER_SIZE;
        long magic = Integer.toUnsignedLong(b.getInt(m));
        long version = Integer.toUnsignedLong(b.getInt(m + 4));
        long pageSize = Integer.toUnsignedLong(b.getInt(m + 8));
        long flags = Integer.toUnsignedLong(b.getInt(m + 12));
        long root = b.getLong(m + 16);
        long sequence = b.getLong(m + 24);
        long freelist = b.getLong(m + 32);
        long highWater = b.getLong(m + 40);
        long txid = b.getLong(m + 48);
        long checksum = b.getLong(m + 56);

        String problem = null;
        if (magic != MAGIC) {
            problem = "not a bbolt meta page (magic " + Long.toHexString(magic) + ", expected ed0cdaed)";
        } else if (version != VERSION) {
            problem = "unsupported bbolt version " + version + " (expected " + VERSION + ")";
        } else if (checksum != fnv1a64(b, m, CHECKSUMMED_BYTES)) {
            problem = "meta checksum mismatch (the page is corrupt)";
        } else if (headerId != expectedPageId || pageFlags != BoltPage.FLAG_META) {
            // not covered by the checksum, so checked on its own
            problem = "meta page header says page " + headerId + " with flags 0x" + Integer.toHexString(pageFlags);
        } else if (pageSize < 512 || pageSize > (1 << 20) || Long.bitCount(pageSize) != 1) {
            problem = "implausible page size " + pageSize;
        } else if (highWater < 3 || root < 2 || root >= highWater) {
            problem = "root bucket page " + root + " outside the data pages [2, " + highWater + ")";
        } else if (freelist != NO_FREELIST && (freelist < 2 || freelist >= highWater)) {
            problem = "freelist page " + freelist + " outside the data pages [2, " + highWater + ")";
        }
        return new BoltMeta(expectedPageId, pageFlags, magic, version, pageSize, flags, root, sequence, freelist,
                highWater, txid, checksum, problem);
    }

    /** FNV-1a 64, the hash bbolt uses for the meta checksum ({@code hash/fnv.New64a}). */
    static long fnv1a64(ByteBuffer b, int offset, int length) {
        long h = FNV64_OFFSET_BASIS;
        for (int i = offset; i < offset + length; i++) {
            h ^= b.get(i) & 0xff;
            h *= FNV64_PRIME;
        }
        return h;
    }
}
