package io.etcdops.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * One upload part while it is filled and sent: written once from the start, then read as often as the SDK needs
 * (a retried request reads it again), then {@link #clear() cleared} for the next part. Either on the heap or in a
 * file of the spool directory: with files, the heap holds none of the parts in flight, so a backup's memory does not
 * depend on the part size or the upload parallelism.
 */
interface PartBuffer extends AutoCloseable {

    /** A buffer in a file of {@code dir} (created if missing), or on the heap when {@code dir} is null. */
    static PartBuffer create(Path dir, int capacity) throws IOException {
        return dir == null ? new HeapPartBuffer(capacity) : FilePartBuffer.create(dir);
    }

    /** Appends; the caller never writes more than the part size in all. */
    void write(byte[] b, int off, int len) throws IOException;

    /** Bytes written since the last {@link #clear()}. */
    int length();

    /** A new stream over the bytes written; each call starts again at the first byte. */
    InputStream newStream();

    /** Empties the buffer for the next part. */
    void clear();

    /** Releases the memory or the file. */
    @Override
    void close();
}
