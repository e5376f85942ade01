package io.etcdops.core.crypto;

import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Client-side encryption of snapshot objects: Tink's AES-256-GCM-HKDF streaming AEAD with 1 MiB segments. Every
 * segment is authenticated, so a wrong key or a flipped bit fails at the first segment read, and truncation fails at
 * the end. Memory is one segment, whatever the snapshot size.
 */
public final class SnapshotCipher {
    public static final String ALGORITHM = "AES256_GCM_HKDF_1MB";
    private static final byte[] ASSOCIATED_DATA = "etcd-ops snapshot v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SEGMENT = 1 << 20;

    private final AesGcmHkdfStreaming aead;
    private final EncryptionKey key;

    public SnapshotCipher(EncryptionKey key) {
        this.key = key;
        try {
            this.aead = new AesGcmHkdfStreaming(key.material(), "HmacSha256", 32, SEGMENT, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM-HKDF unavailable: " + e.getMessage(), e);
        }
    }

    public EncryptionKey key() {
        return key;
    }

    public OutputStream encrypting(OutputStream out) throws IOException {
        try {
            return aead.newEncryptingStream(out, ASSOCIATED_DATA);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start encryption: " + e.getMessage(), e);
        }
    }

    /** Reads fail with an IOException when the key is wrong or the ciphertext was altered or truncated. */
    public InputStream decrypting(InputStream in) throws IOException {
        try {
            return aead.newDecryptingStream(in, ASSOCIATED_DATA);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot start decryption: " + e.getMessage(), e);
        }
    }
}
