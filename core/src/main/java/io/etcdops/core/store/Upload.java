package io.etcdops.core.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One object being written. Write the bytes to {@link #stream()}, then either {@link #commit()} (the object becomes
 * visible atomically) or {@link #abort()} (nothing is left behind: multipart uploads aborted, staged blocks and
 * partial files removed). Closing the stream does not commit. {@link #close()} aborts unless committed.
 */
public interface Upload extends AutoCloseable {

    OutputStream stream();

    /**
     * The local file the bytes land in before {@link #commit()}, for stores that write one ({@code file://}): a
     * caller can read back what it wrote (after closing {@link #stream()}) instead of keeping a second copy. Empty
     * for remote stores.
     */
    default Optional<Path> writtenFile() {
        return Optional.empty();
    }

    /**
     * Makes the bytes written so far durable without making the object visible, so a caller can overlap that wait
     * with its own checks before {@link #commit()}; commit then has less (or nothing) left to flush. Stores that
     * keep nothing locally have nothing to do. May be called from another thread than the writer's, once the
     * stream is closed.
     */
    default void persist() throws IOException {
    }

    /** Makes the object visible. Throws if the upload failed; in that case it has already been cleaned up. */
    void commit() throws IOException;

    /** Discards everything written so far; idempotent, never throws. */
    void abort();

    @Override
    void close();
}
