package io.etcdops.core.crypto;

import io.etcdops.core.runtime.JobException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A 256-bit snapshot encryption key, read from a file (a mounted Secret) or an environment variable. Accepted forms:
 * 32 raw bytes, 64 hex characters, or base64 of 32 bytes (what {@code openssl rand -base64 32} prints). The key id
 * recorded in manifests is the first 8 bytes of sha256(key) in hex: it names the key without revealing it, so a
 * restore with the wrong key fails before downloading anything.
 */
public final class EncryptionKey {
    private final byte[] key;
    private final String id;

    private EncryptionKey(byte[] key) {
        this.key = key;
        this.id = idOf(key);
    }

    public static EncryptionKey fromFile(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw JobException.usage("--encryption-key-file " + file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(raw, "--encryption-key-file " + file);
    }

    /** --encryption-key-file if given, else env ETCD_OPS_ENCRYPTION_KEY, else null (no encryption). */
    public static EncryptionKey fromFileOrEnv(Path file) {
        if (file != null) {
            return fromFile(file);
        }
        String env = System.getenv("ETCD_OPS_ENCRYPTION_KEY");
        return env == null || env.isBlank() ? null : fromText(env, "env ETCD_OPS_ENCRYPTION_KEY");
    }

    public static EncryptionKey fromText(String text, String source) {
        return parse(text.getBytes(StandardCharsets.UTF_8), source);
    }

    static EncryptionKey parse(byte[] raw, String source) {
        if (raw.length == 32) {
            return new EncryptionKey(raw.clone());
        }
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        if (text.matches("[0-9a-fA-F]{64}")) {
            return new EncryptionKey(HexFormat.of().parseHex(text));
        }
        try {
            byte[] b = Base64.getDecoder().decode(text);
            if (b.length == 32) {
                return new EncryptionKey(b);
            }
        } catch (IllegalArgumentException ignored) {
            // not base64: fall through to the error
        }
        throw JobException.usage(source + ": the key must be 32 bytes (raw, 64 hex characters or base64), got "
                + raw.length + " bytes; create one with 'openssl rand -base64 32'");
    }

    public String id() {
        return id;
    }

    byte[] material() {
        return key.clone();
    }

    static String idOf(byte[] key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(Arrays.copyOf(d, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "EncryptionKey[id=" + id + "]";
    }
}
