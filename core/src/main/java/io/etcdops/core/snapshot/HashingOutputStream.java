package io.etcdops.core.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes bytes through while counting them and computing their sha256 (or only counting, when the caller gets the
 * hash elsewhere). Closing it does not close the target.
 */
public final class HashingOutputStream extends FilterOutputStream {
    private final MessageDigest sha256;
    private final boolean hashing;
    private long count;

    public HashingOutputStream(OutputStream out) {
        this(out, true);
    }

    public HashingOutputStream(OutputStream out, boolean hashing) {
        super(out);
        this.hashing = hashing;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        if (hashing) {
            sha256.update((byte) b);
        }
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        if (hashing) {
            sha256.update(b, off, len);
        }
        count += len;
    }

    public long count() {
        return count;
    }

    public String sha256Hex() {
        if (!hashing) {
            throw new IllegalStateException("this stream only counts");
        }
        return HexFormat.of().formatHex(((MessageDigest) cloneDigest()).digest());
    }

    private Object cloneDigest() {
        try {
            return sha256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
