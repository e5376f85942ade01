package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Pages read from the database file by position, never the whole file: memory use is one page per tree level, the
 * largest being the page that holds the largest value (etcd's request size limit keeps values to a few MiB). A page
 * of at least {@code mapThreshold} bytes, which etcd does not write, is memory-mapped instead of copied so a freak
 * value cannot exhaust the heap. Smaller pages are copied on purpose: mapping them measured several times the
 * resident memory of copying (368 MB snapshot, 1.9 MB values).
 */
final class FilePageStore implements PageStore {
    static final int DEFAULT_MAP_THRESHOLD = 64 << 20;

    private final FileChannel channel;
    private final long fileSize;
    private final int pageSize;
    private final long mapThreshold;

    FilePageStore(FileChannel channel, long fileSize, int pageSize, long mapThreshold) {
        this.channel = channel;
        this.fileSize = fileSize;
        this.pageSize = pageSize;
        this.mapThreshold = mapThreshold;
    }

    @Override
    public ByteBuffer head(long pgid, Object referrer, PageReader.Scratch scratch) throws IOException {
        long offset = pgid * pageSize;
        if (offset + pageSize > fileSize) {
            throw new BoltFormatException(pgid, "lies past the end of the file (" + fileSize + " bytes): the file is"
                    + " truncated");
        }
        ByteBuffer first = scratch.atLeast(pageSize, 0).limit(pageSize);
        readFully(first, offset, pgid);
        return first.flip();
    }

    @Override
    public ByteBuffer span(long pgid, long bytes, PageReader.Scratch scratch) throws IOException {
        long offset = pgid * pageSize;
        long overflow = bytes / pageSize - 1;
        if (offset + bytes > fileSize) {
            throw new BoltFormatException(pgid, "its " + overflow + " overflow pages run past the end of the file ("
                    + fileSize + " bytes): the file is truncated");
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new BoltFormatException(pgid, "spans " + bytes + " bytes, more than one buffer can hold");
        }
        if (bytes >= mapThreshold) {
            return channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes);
        }
        ByteBuffer whole = scratch.atLeast((int) bytes, pageSize).position(pageSize).limit((int) bytes);
        readFully(whole, offset + pageSize, pgid);
        return whole.slice(0, (int) bytes);
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

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
