package io.etcdops.core.snapshot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Passes etcd's snapshot stream through unchanged while checking its last 32 bytes, the sha256 of everything before
 * them (etcd appends it to every snapshot). Keeps a 32-byte look-behind window, so memory is constant.
 */
public final class TrailerCheckingOutputStream extends FilterOutputStream {
    private static final int TRAILER = 32;
    private final MessageDigest sha256;
    private final byte[] window = new byte[TRAILER];
    private int windowLen;

    public TrailerCheckingOutputStream(OutputStream out) {
        super(out);
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        if (len >= TRAILER) {
            // everything in the window and all but the last 32 new bytes are data
            sha256.update(window, 0, windowLen);
            sha256.update(b, off, len - TRAILER);
            System.arraycopy(b, off + len - TRAILER, window, 0, TRAILER);
            windowLen = TRAILER;
            return;
        }
        int overflow = windowLen + len - TRAILER;
        if (overflow > 0) {
            sha256.update(window, 0, overflow);
            System.arraycopy(window, overflow, window, 0, windowLen - overflow);
            windowLen -= overflow;
        }
        System.arraycopy(b, off, window, windowLen, len);
        windowLen += len;
    }

    /** True when the stream ended with the sha256 of the bytes before it. */
    public boolean trailerMatches() {
        if (windowLen < TRAILER) {
            return false;
        }
        try {
            byte[] digest = ((MessageDigest) sha256.clone()).digest();
            return MessageDigest.isEqual(digest, window);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
