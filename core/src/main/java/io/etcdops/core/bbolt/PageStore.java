package io.etcdops.core.bbolt;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where {@link PageReader} gets page bytes from: the database file itself ({@link FilePageStore}) or the condensed
 * copy of a streamed snapshot ({@link CondensedPageStore}). {@link PageReader} checks what it gets (range, header,
 * type, overflow); a store only finds the bytes and says when they are not there.
 */
interface PageStore extends Closeable {
    /**
     * The start of page {@code pgid}, at least its 16-byte header, read into {@code scratch}: the first page of its
     * span from a file, the whole (condensed) span from a condensed copy.
     *
     * @param referrer who pointed at the page, for an error message only
     */
    ByteBuffer head(long pgid, Object referrer, PageReader.Scratch scratch) throws IOException;

    /**
     * The whole span of page {@code pgid} ({@code bytes} = overflow pages + 1 times the page size in the file), after
     * {@link #head} returned its start into the same {@code scratch}.
     */
    ByteBuffer span(long pgid, long bytes, PageReader.Scratch scratch) throws IOException;
}
