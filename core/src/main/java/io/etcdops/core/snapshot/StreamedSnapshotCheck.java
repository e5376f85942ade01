package io.etcdops.core.snapshot;

import io.etcdops.core.bbolt.BoltFile;
import io.etcdops.core.bbolt.BoltFormatException;
import io.etcdops.core.bbolt.BoltStreamCondenser;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * {@link SnapshotInspector}'s check of a snapshot as it streams past, without a copy of the db: write etcd's stream
 * here, then {@link #finish()}. What it keeps on disk meanwhile is a condensed copy ({@link BoltStreamCondenser},
 * {@link KeyValueCondenser}): the tree pages and, of each revision, its key and version, about 1% of the db. The
 * checks and the figures are those of {@link SnapshotInspector#inspect(Path)}, except etcdutl's hash of all values,
 * which is not computed ({@link SnapshotContents#hash()} is 0).
 */
public final class StreamedSnapshotCheck extends OutputStream {
    private final BoltStreamCondenser condenser;

    /** @param workFile where the condensed copy goes (created when the stream starts; deleted by {@link #discard()}) */
    public StreamedSnapshotCheck(Path workFile) {
        this.condenser = new BoltStreamCondenser(workFile, new KeyValueCondenser());
    }

    @Override
    public void write(int b) throws IOException {
        condenser.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        condenser.write(b, off, len);
    }

    /** Writes the condensed copy out: a full disk shows here, not in {@link #finish()}. */
    @Override
    public void flush() throws IOException {
        condenser.flush();
    }

    /** Flushes only: the copy stays for {@link #finish()}, which may run on another thread after this stream closes. */
    @Override
    public void close() throws IOException {
        flush();
    }

    /** Checks what streamed past (the whole stream must have been written) and drops the condensed copy. */
    public SnapshotContents finish() throws IOException, SnapshotVerificationException {
        BoltFile bolt;
        try {
            bolt = condenser.finish();
        } catch (BoltFormatException e) {
            throw SnapshotInspector.unreadable(e);
        }
        // the BoltFile owns the condensed copy now, and deletes it on close
        try (bolt) {
            return SnapshotInspector.inspect(bolt, false);
        }
    }

    /** Drops the condensed copy, whatever happened; call it in a {@code finally} (a second drop does nothing). */
    public void discard() throws IOException {
        condenser.discard();
    }

    /** Bytes of the condensed copy so far. */
    public long keptBytes() {
        return condenser.keptBytes();
    }
}
