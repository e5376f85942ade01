package io.etcdops.core.snapshot;

import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.crypto.SnapshotCipher;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.store.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Downloads a committed snapshot, decrypts and decompresses it into a local file and proves it is the one the
 * manifest describes: sha256 and size of the stored object, sha256 of the db, etcd's own trailer, and a bbolt read
 * whose revision and key count match. Any mismatch is exit 4 and leaves no output file. Used by
 * {@code backup-job verify}, {@code restore-job fetch} (the init container) and the restore drill.
 */
public final class SnapshotFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotFetcher.class);

    public record Fetched(Path file, SnapshotCatalog.Entry entry, SnapshotContents contents) {
    }

    private SnapshotFetcher() {
    }

    public static Fetched fetch(SnapshotStore store, SnapshotCatalog.Entry entry, EncryptionKey key, Path out) throws IOException {
        SnapshotManifest m = entry.manifest();
        SnapshotCipher cipher = cipherFor(m, key, entry.name());
        Path tmp = out.resolveSibling("." + out.getFileName() + ".partial");
        Files.createDirectories(tmp.toAbsolutePath().getParent());
        try {
            SnapshotDecoder.Result r;
            try (InputStream in = store.open(m.object().key());
                 OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                r = SnapshotDecoder.decode(in, m.compressionType(), cipher, file);
            }
            check(r.storedSize() == m.object().size() && r.storedSha256().equals(m.object().sha256()),
                    "stored object " + m.object().key() + " does not match its manifest (size " + r.storedSize() + " vs "
                            + m.object().size() + ", sha256 " + abbrev(r.storedSha256()) + " vs " + abbrev(m.object().sha256()) + ")");
            check(r.trailer() == SnapshotTrailer.Status.VALID, "decoded snapshot of " + entry.name() + ": " + r.trailer().message());
            check(r.dbSha256().equals(m.dbSha256()), "decoded snapshot sha256 " + abbrev(r.dbSha256())
                    + " does not match the manifest's " + abbrev(m.dbSha256()));
            SnapshotContents c = inspect(tmp);
            if (m.verification() != null && m.verification().bbolt()) {
                check(c.effectiveRevision() == m.revision(), "snapshot revision " + c.effectiveRevision() + " differs from the manifest's " + m.revision());
                check(c.liveKeys() == m.keyCount(), "snapshot key count " + c.liveKeys() + " differs from the manifest's " + m.keyCount());
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("fetched and verified {} -> {} (revision {}, {} keys)", entry.name(), out, c.effectiveRevision(), c.liveKeys());
            return new Fetched(out, entry, c);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** etcd's sha256 trailer and a bbolt read of a local snapshot file; exit 4 if either fails. */
    public static SnapshotContents verifyFile(Path file) throws IOException {
        SnapshotTrailer.Status status = SnapshotTrailer.check(file);
        check(status == SnapshotTrailer.Status.VALID, "snapshot " + file.getFileName() + ": " + status.message());
        return inspect(file);
    }

    private static SnapshotContents inspect(Path file) throws IOException {
        try {
            return SnapshotInspector.inspect(file);
        } catch (SnapshotVerificationException e) {
            throw JobException.verification("snapshot " + file.getFileName() + " is not a valid etcd db: " + e.getMessage(), e);
        }
    }

    static SnapshotCipher cipherFor(SnapshotManifest m, EncryptionKey key, String name) {
        if (!m.encrypted()) {
            if (key != null) {
                LOG.info("snapshot {} is not encrypted; the key is not needed", name);
            }
            return null;
        }
        if (key == null) {
            throw JobException.usage("snapshot " + name + " is encrypted (key id " + m.encryption().keyId()
                    + "): pass --encryption-key-file or env ETCD_OPS_ENCRYPTION_KEY");
        }
        if (m.encryption().keyId() != null && !m.encryption().keyId().equals(key.id())) {
            throw JobException.verification("wrong encryption key: snapshot " + name + " was encrypted with key id "
                    + m.encryption().keyId() + ", the given key has id " + key.id());
        }
        return new SnapshotCipher(key);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw JobException.verification(message);
        }
    }

    private static String abbrev(String sha) {
        return sha == null ? "null" : sha.substring(0, Math.min(12, sha.length()));
    }
}
