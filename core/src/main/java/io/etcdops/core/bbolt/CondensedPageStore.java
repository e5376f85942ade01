package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The pages {@link BoltStreamCondenser} kept from a streamed database, appended to one work file in stream order and
 * found again through an in-memory index (4 bytes per page of the database: 1.2 MiB for a 1.2 GB db, grown as the
 * stream advances). Each record is
 * {@code [int length][page]}, 8-byte aligned; a negative length marks a page whose span was too large to keep, stored
 * as its header only. Written once, then read: {@link #finishWriting} flushes and switches to reading.
 */
final class CondensedPageStore implements PageStore {
    private static final int WRITE_BUFFER = 1 << 16;
    private static final int LENGTH_PREFIX = 4;

    private final Path file;
    private final FileChannel channel;
    private final int pageSize;
    private final long highWaterPgid;
    private final int maxSpan;
    /**
     * Record offset / 8 + 1 per page id; 0: the stream held no page of its own there. Grown as the stream advances
     * (pages arrive in block order), so a meta page claiming more pages than the stream carries costs nothing.
     */
    private int[] index = new int[1024];
    private final ByteBuffer writeBuffer = ByteBuffer.allocate(WRITE_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private long written;
    private long streamSize = -1;

    CondensedPageStore(Path file, int pageSize, long highWaterPgid, int maxSpan) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.pageSize = pageSize;
        this.highWaterPgid = highWaterPgid;
        this.maxSpan = maxSpan;
    }

    /** Keeps {@code len} bytes of {@code src} as page {@code pgid}. */
    void put(long pgid, byte[] src, int off, int len) throws IOException {
        append(pgid, len, src, off, len);
    }

    /** Keeps only the header of page {@code pgid}: its span was too large to hold while streaming. */
    void putOversized(long pgid, byte[] src, int off) throws IOException {
        append(pgid, -BoltPage.HEADER_SIZE, src, off, BoltPage.HEADER_SIZE);
    }

    /** Every record is a multiple of 8 bytes long, so each starts 8-byte aligned and its offset / 8 fits an int. */
    private void append(long pgid, int lengthField, byte[] src, int off, int len) throws IOException {
        long slot = (written + writeBuffer.position()) / 8 + 1;
        if (slot > Integer.MAX_VALUE) {
            throw new IOException("the condensed copy of the snapshot passed 16 GiB");
        }
        if (pgid >= index.length) {
            index = java.util.Arrays.copyOf(index, (int) Math.min(highWaterPgid, Math.max(pgid + 1, 2L * index.length)));
        }
        index[(int) pgid] = (int) slot;
        if (writeBuffer.remaining() < LENGTH_PREFIX) {
            drain();
        }
        writeBuffer.putInt(lengthField);
        write(src, off, len);
        write(ZEROS, 0, (8 - ((LENGTH_PREFIX + len) & 7)) & 7);
    }

    private static final byte[] ZEROS = new byte[8];

    private void write(byte[] src, int off, int len) throws IOException {
        while (len > 0) {
            if (!writeBuffer.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, writeBuffer.remaining());
            writeBuffer.put(src, off, n);
            off += n;
            len -= n;
        }
    }

    private void drain() throws IOException {
        writeBuffer.flip();
        while (writeBuffer.hasRemaining()) {
            written += channel.write(writeBuffer, written);
        }
        writeBuffer.clear();
    }

    /** Writes what is buffered to the work file. */
    void flushWrites() throws IOException {
        drain();
    }

    /** Writes what is buffered; after this the store is read, and {@code streamSize} bytes are known to have passed. */
    void finishWriting(long streamSize) throws IOException {
        drain();
        this.streamSize = streamSize;
    }

    /** Bytes written to the work file so far. */
    long condensedBytes() {
        return written + writeBuffer.position();
    }

    @Override
    public ByteBuffer head(long pgid, Object referrer, PageReader.Scratch scratch) throws IOException {
        int slot = pgid < index.length ? index[(int) pgid] : 0;
        if (slot == 0) {
            if ((pgid + 1) * pageSize > streamSize) {
                throw new BoltFormatException(pgid, "lies past the end of the stream (" + streamSize + " bytes): the"
                        + " snapshot is truncated");
            }
            throw new BoltFormatException(pgid, "is not a branch or leaf page with its own id in the stream ("
                    + referrer + " points at it; the file is corrupt)");
        }
        long offset = (slot - 1L) * 8;
        // most pages fit in one read of a page size: length and page together
        ByteBuffer buf = scratch.atLeast(Math.max(pageSize, BoltPage.HEADER_SIZE) + LENGTH_PREFIX, 0);
        readAtLeast(buf, offset, LENGTH_PREFIX + BoltPage.HEADER_SIZE, pgid);
        int len = buf.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        int bytes = Math.abs(len);
        if (buf.position() < LENGTH_PREFIX + bytes) {
            int have = buf.position();
            buf = scratch.atLeast(LENGTH_PREFIX + bytes, have).position(have);
            readAtLeast(buf, offset + have, LENGTH_PREFIX + bytes - have, pgid);
        }
        // for an oversized page (len < 0) this is the header only: span() says why the rest is missing
        return buf.slice(LENGTH_PREFIX, bytes);
    }

    @Override
    public ByteBuffer span(long pgid, long bytes, PageReader.Scratch scratch) throws IOException {
        ByteBuffer held = scratch.atLeast(0, 0);
        int len = held.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (len < 0) {
            throw new BoltFormatException(pgid, "spans " + bytes + " bytes, more than the "
                    + maxSpan + " bytes a check of the stream holds (verify a downloaded"
                    + " copy instead)");
        }
        return held.slice(LENGTH_PREFIX, len);
    }

    private void readAtLeast(ByteBuffer into, long position, int atLeast, long pgid) throws IOException {
        long pos = position;
        int start = into.position();
        while (into.position() - start < atLeast) {
            int n = channel.read(into, pos);
            if (n < 0) {
                throw new BoltFormatException(pgid, "the condensed copy ends inside this page");
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
