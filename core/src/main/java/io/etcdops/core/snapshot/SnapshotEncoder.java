package io.etcdops.core.snapshot;

import io.etcdops.core.crypto.SnapshotCipher;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The write side of a snapshot object: raw etcd stream in, stored bytes out.
 * <pre>raw -> sha256(raw) -> [copy to spool file] -> compress -> encrypt -> sha256(stored) -> sink (the upload)</pre>
 * One pass, bounded buffers. {@link #finish()} flushes the compressor's and the cipher's final frames without closing
 * the sink (the caller commits or aborts the upload).
 */
public final class SnapshotEncoder {
    private final HashingOutputStream raw;
    private final HashingOutputStream stored;
    private final OutputStream compressing;
    private final OutputStream spool;

    public SnapshotEncoder(OutputStream sink, Compression compression, SnapshotCipher cipher, OutputStream spool) throws IOException {
        this.stored = new HashingOutputStream(sink);
        OutputStream encrypting = cipher == null ? stored : cipher.encrypting(stored);
        this.compressing = compression.compressing(encrypting);
        this.spool = spool;
        this.raw = new HashingOutputStream(spool == null ? compressing : new TeeOutputStream(compressing, spool));
    }

    /** Write etcd's snapshot stream here. */
    public OutputStream input() {
        return raw;
    }

    /** Ends compression and encryption (final frames) and flushes the spool; the sink stays open. */
    public void finish() throws IOException {
        raw.flush();
        compressing.close();
        if (spool != null) {
            spool.flush();
        }
    }

    public long rawSize() {
        return raw.count();
    }

    public String rawSha256() {
        return raw.sha256Hex();
    }

    public long storedSize() {
        return stored.count();
    }

    public String storedSha256() {
        return stored.sha256Hex();
    }

    /** Writes every byte to two streams; closing closes only the first (the spool is the caller's). */
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
