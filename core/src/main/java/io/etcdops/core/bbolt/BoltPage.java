package io.etcdops.core.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A view of one B+tree page (with its overflow pages) or of an inline bucket's page, laid out as bbolt's
 * {@code common.Page}: header {id u64, flags u16, count u16, overflow u32}, then {@code count} 16-byte elements.
 * Branch element: {pos u32, ksize u32, pgid u64}; leaf element: {flags u32, pos u32, ksize u32, vsize u32}. A key
 * starts {@code pos} bytes after its own element (a leaf value follows its key). Every accessor checks that what it
 * reads lies inside the page, so a corrupt length fails here with the page id rather than somewhere later.
 */
final class BoltPage {
    static final int HEADER_SIZE = 16;
    static final int ELEMENT_SIZE = 16;
    static final int FLAG_BRANCH = 0x01;
    static final int FLAG_LEAF = 0x02;
    static final int FLAG_META = 0x04;
    static final int FLAG_FREELIST = 0x10;
    /** Leaf element flag: the value is a nested bucket header {root pgid u64, sequence u64}. */
    static final int BUCKET_LEAF_FLAG = 0x01;

    private final ByteBuffer buf;
    private final long reportedId;
    private final String label;

    /**
     * @param buf        the page bytes from the header on, little-endian, read-only
     * @param reportedId the page id to name in errors (for an inline page, the leaf page holding it)
     * @param label      what the page is, for errors ("inline page of bucket meta in page 7"); null for a plain page,
     *                   named "page N" only when an error needs it
     */
    BoltPage(ByteBuffer buf, long reportedId, String label) throws BoltFormatException {
        this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
        this.reportedId = reportedId;
        this.label = label;
        if (buf.limit() < HEADER_SIZE) {
            throw fail("shorter than a page header");
        }
        if ((long) HEADER_SIZE + (long) count() * ELEMENT_SIZE > buf.limit()) {
            throw fail("element count " + count() + " does not fit in " + buf.limit() + " bytes");
        }
    }

    int flags() {
        return Short.toUnsignedInt(buf.getShort(8));
    }

    int count() {
        return Short.toUnsignedInt(buf.getShort(10));
    }

    long overflow() {
        return Integer.toUnsignedLong(buf.getInt(12));
    }

    boolean isBranch() {
        return flags() == FLAG_BRANCH;
    }

    boolean isLeaf() {
        return flags() == FLAG_LEAF;
    }

    long reportedId() {
        return reportedId;
    }

    String label() {
        return label != null ? label : "page " + reportedId;
    }

    String typeName() {
        return switch (flags()) {
            case FLAG_BRANCH -> "branch";
            case FLAG_LEAF -> "leaf";
            case FLAG_META -> "meta";
            case FLAG_FREELIST -> "freelist";
            default -> "unknown<0x" + Integer.toHexString(flags()) + ">";
        };
    }

    /** Key of element {@code i} (branch or leaf page). */
    ByteBuffer key(int i) throws BoltFormatException {
        int e = elementOffset(i);
        if (isBranch()) {
            return slice(e, u32(e), u32(e + 4), "key of element " + i);
        }
        return slice(e, u32(e + 4), u32(e + 8), "key of element " + i);
    }

    /** Child page id of branch element {@code i}. */
    long childPgid(int i) {
        return buf.getLong(elementOffset(i) + 8);
    }

    /** Flags of leaf element {@code i}. */
    long leafFlags(int i) {
        return u32(elementOffset(i));
    }

    /** Value of leaf element {@code i}; it starts right after the key. */
    ByteBuffer value(int i) throws BoltFormatException {
        int e = elementOffset(i);
        long pos = u32(e + 4);
        long ksize = u32(e + 8);
        return slice(e, pos + ksize, u32(e + 12), "value of element " + i);
    }

    BoltFormatException fail(String problem) {
        return new BoltFormatException(reportedId, (label == null ? "" : label + ": ") + problem);
    }

    private int elementOffset(int i) {
        return HEADER_SIZE + i * ELEMENT_SIZE;
    }

    private long u32(int offset) {
        return Integer.toUnsignedLong(buf.getInt(offset));
    }

    private ByteBuffer slice(int elementOffset, long pos, long size, String what) throws BoltFormatException {
        long start = elementOffset + pos;
        if (start + size > buf.limit()) {
            throw fail(what + " (" + size + " bytes at offset " + start + ") runs past the end of the page ("
                    + buf.limit() + " bytes)");
        }
        return buf.slice((int) start, (int) size);
    }
}
