package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads single B+tree pages (with their overflow pages) from a {@link PageStore} and checks them: below the
 * high-water mark, a header that names the page, a branch or leaf page, overflow pages that stay below the mark.
 * A caller may hand in a buffer to read into ({@link Scratch}, one per tree level), so a walk over a 1 GiB file
 * allocates a few buffers instead of 1.5 GB of garbage (measured, see bench/RESULTS.md).
 */
final class PageReader {
    private final PageStore store;
    private final int pageSize;
    private final long highWaterPgid;

    PageReader(PageStore store, int pageSize, long highWaterPgid) {
        this.store = store;
        this.pageSize = pageSize;
        this.highWaterPgid = highWaterPgid;
    }

    long highWaterPgid() {
        return highWaterPgid;
    }

    /**
     * Reads data page {@code pgid}, checking that it lies below the high-water mark and inside the file, that its
     * header names it, and that it is a branch or leaf page.
     *
     * @param referrer who pointed at the page ("branch page 9", "bucket key"); its {@code toString()} is called only
     *                 for an error message, so a walk need not format one for every page it reads
     */
    BoltPage read(long pgid, Object referrer) throws IOException {
        return read(pgid, referrer, new Scratch());
    }

    /** A reusable read buffer: a page read into it stays valid until the next read into the same scratch. */
    static final class Scratch {
        private ByteBuffer buffer;

        /** A buffer of at least {@code bytes} capacity, keeping the first {@code keep} bytes of the current one. */
        ByteBuffer atLeast(int bytes, int keep) {
            if (buffer == null || buffer.capacity() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(bytes);
                if (buffer != null && keep > 0) {
                    bigger.put(buffer.duplicate().clear().limit(keep));
                }
                buffer = bigger;
            }
            return buffer.clear();
        }
    }

    /** {@link #read(long, Object)} into {@code scratch} (the returned page is a view of it). */
    BoltPage read(long pgid, Object referrer, Scratch scratch) throws IOException {
        // pages 0 and 1 are the meta pages: no tree may point at them
        if (pgid < 2 || pgid >= highWaterPgid) {
            throw new BoltFormatException(pgid, "page id out of range: " + referrer + " points at it, but data pages"
                    + " are 2.." + (highWaterPgid - 1) + " (high-water mark " + highWaterPgid + ")");
        }
        ByteBuffer first = store.head(pgid, referrer, scratch);
        // the header is checked before the page is viewed: its element count may need the overflow pages
        ByteBuffer header = first.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long headerId = header.getLong(0);
        int flags = Short.toUnsignedInt(header.getShort(8));
        long overflow = Integer.toUnsignedLong(header.getInt(12));
        if (headerId != pgid) {
            throw new BoltFormatException(pgid, "header says it is page " + headerId + " (" + referrer + " points at"
                    + " it; the file is corrupt or was assembled from different snapshots)");
        }
        if (flags != BoltPage.FLAG_BRANCH && flags != BoltPage.FLAG_LEAF) {
            throw new BoltFormatException(pgid, "expected a branch or leaf page, found flags 0x"
                    + Integer.toHexString(flags) + " (" + referrer + " points at it)");
        }
        if (overflow == 0) {
            return new BoltPage(first.asReadOnlyBuffer(), pgid, null);
        }
        if (pgid + overflow >= highWaterPgid) {
            throw new BoltFormatException(pgid, "its " + overflow + " overflow pages run past the high-water mark "
                    + highWaterPgid);
        }
        return new BoltPage(store.span(pgid, (overflow + 1) * pageSize, scratch).asReadOnlyBuffer(), pgid, null);
    }
}
