package io.etcdops.core.snapshot;

import io.etcdops.core.crypto.SnapshotCipher;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HexFormat;

/**
 * The write side of a snapshot object: etcd's raw stream in, stored bytes out, on two threads.
 * <pre>
 * caller's thread:  raw -> trailer check (sha256 of the db) -> [check of the stream, see StreamedSnapshotCheck] -> hand-off queue
 * encoder thread:   hand-off queue -> compress -> encrypt -> sha256(stored) -> sink (the upload)
 * </pre>
 * The db's sha256 recorded in the manifest is the one the trailer check computes anyway (for a valid snapshot it
 * equals etcd's trailer), so each byte is hashed once per side, and only once in all when the stored bytes are the raw
 * stream (no compression, no encryption). Bounded buffers throughout. {@link #finish()} ends
 * compression and encryption (final frames) and waits for the encoder thread; the sink stays open for the caller to
 * commit or abort the upload.
 */
public final class SnapshotEncoder {
    private static final int BLOCK = 1 << 18;
    private static final int DEPTH = 8;

    private final SnapshotTrailer.CheckingOutputStream input;
    private final HashingOutputStream stored;
    private final PipelinedOutputStream pipeline;
    /** A second consumer of the raw stream (the bbolt check), or null. */
    private final OutputStream tee;
    /** Stored bytes == etcd's stream: their sha256 is the trailer check's, not computed a second time. */
    private final boolean passthrough;

    public SnapshotEncoder(OutputStream sink, Compression compression, SnapshotCipher cipher, OutputStream tee) throws IOException {
        this.passthrough = storesRawStream(compression, cipher);
        this.stored = new HashingOutputStream(sink, !passthrough);
        OutputStream encrypting = cipher == null ? stored : cipher.encrypting(stored);
        this.pipeline = new PipelinedOutputStream(compression.compressing(encrypting), BLOCK, DEPTH, "snapshot-encoder");
        this.tee = tee;
        this.input = new SnapshotTrailer.CheckingOutputStream(tee == null ? pipeline : new TeeOutputStream(pipeline, tee));
    }

    /** True when the stored object is etcd's stream byte for byte (no compression, no encryption). */
    public static boolean storesRawStream(Compression compression, SnapshotCipher cipher) {
        return compression == Compression.NONE && cipher == null;
    }

    /** Write etcd's snapshot stream here. */
    public OutputStream input() {
        return input;
    }

    /** Ends compression and encryption (final frames), waits for the encoder thread, flushes the tee. */
    public void finish() throws IOException {
        pipeline.close();
        if (tee != null) {
            tee.flush();
        }
    }

    /** Stops the encoder thread after a failure; the caller aborts the upload. */
    public void abandon() {
        pipeline.abandon();
    }

    public SnapshotTrailer.Status trailerStatus() {
        return input.checker().status();
    }

    public long rawSize() {
        return input.checker().count();
    }

    /** sha256 of the bbolt db (without etcd's trailer). */
    public String dbSha256() {
        return HexFormat.of().formatHex(input.checker().dbSha256());
    }

    public long storedSize() {
        return stored.count();
    }

    public String storedSha256() {
        return passthrough ? HexFormat.of().formatHex(input.checker().sha256OfAll()) : stored.sha256Hex();
    }

    /** Writes every byte to two streams; closing closes only the first (the second is the caller's). */
    static final class TeeOutputStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeOutputStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            b.write(buf, off, len);
            a.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws IOException {
            a.close();
        }
    }
}
