package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Reads single B+tree pages (with their overflow pages) from the file by position, never the whole file: memory use
 * is one page per tree level, the largest being the page that holds the largest value (etcd's request size limit
 * keeps values to a few MiB). A caller may hand in a buffer to read into ({@link Scratch}, one per tree level), so a
 * walk over a 1 GiB file allocates a few buffers instead of 1.5 GB of garbage (measured, see bench/RESULTS.md).
 * A page of at least {@code mapThreshold} bytes, which etcd does not write, is memory-mapped instead of copied so a
 * freak value cannot exhaust the heap. Smaller pages are copied on purpose: mapping them measured several times the
 * resident memory of copying (368 MB snapshot, 1.9 MB values).
 */
final class PageReader {
    static final int DEFAULT_MAP_THRESHOLD = 64 << 20;

    private final FileChannel channel;
    private final long fileSize;
    private final int pageSize;
    private final long highWaterPgid;
    private final long mapThreshold;

    PageReader(FileChannel channel, long fileSize, int pageSize, long highWaterPgid, long mapThreshold) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.pageSize = pageSize;
        this.highWaterPgid = highWaterPgid;
        this.mapThreshold = mapThreshold;
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
        long offset = pgid * pageSize;
        if (offset + pageSize > fileSize) {
            throw new BoltFormatException(pgid, "lies past the end of the file (" + fileSize + " bytes): the file is"
                    + " truncated");
        }
        ByteBuffer first = scratch.atLeast(pageSize, 0).limit(pageSize);
        readFully(first, offset, pgid);
        first.flip();
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
            return new BoltPage(first.slice(0, pageSize).asReadOnlyBuffer(), pgid, null);
        }
        if (pgid + overflow >= highWaterPgid) {
            throw new BoltFormatException(pgid, "its " + overflow + " overflow pages run past the high-water mark "
                    + highWaterPgid);
        }
        long bytes = (overflow + 1) * pageSize;
        if (offset + bytes > fileSize) {
            throw new BoltFormatException(pgid, "its " + overflow + " overflow pages run past the end of the file ("
                    + fileSize + " bytes): the file is truncated");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new BoltFormatException(pgid, "spans " + bytes + " bytes, more than one buffer can hold");
        }
        ByteBuffer whole;
        if (bytes >= mapThreshold) {
            whole = channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes);
            return new BoltPage(whole.asReadOnlyBuffer(), pgid, null);
        }
        whole = scratch.atLeast((int) bytes, pageSize).position(pageSize).limit((int) bytes);
        readFully(whole, offset + pageSize, pgid);
        return new BoltPage(whole.slice(0, (int) bytes).asReadOnlyBuffer(), pgid, null);
    }

    private void readFully(ByteBuffer into, long position, long pgid) throws IOException {
        long pos = position;
        while (into.hasRemaining()) {
            int n = channel.read(into, pos);
            if (n < 0) {
                throw new BoltFormatException(pgid, "the file ends at byte " + pos + " inside this page: it is"
                        + " truncated");
            }
            pos += n;
        }
    }
}
