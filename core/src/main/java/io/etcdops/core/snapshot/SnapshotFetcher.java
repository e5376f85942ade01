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
 * manifest describes: sha256 and size of the stored object, sha256 of the db, etcd's own trailer, and a bbolt check
 * of the decoded stream ({@link StreamedSnapshotCheck}) whose revision and key count match. Any mismatch is exit 4 and leaves no output file. Used by
 * {@code restore-job fetch} (the init container) and the restore drill; {@code backup-job verify} runs the same checks
 * on the stream, keeping no copy ({@link #verify}).
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
        Path work = out.resolveSibling("." + out.getFileName() + ".check");
        Files.createDirectories(tmp.toAbsolutePath().getParent());
        // the bbolt check reads the decoded stream as it is written: the file is not read back
        StreamedSnapshotCheck check = new StreamedSnapshotCheck(work);
        try {
            try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                decodeChecked(store, entry, cipher, new SnapshotEncoder.TeeOutputStream(file, check));
            }
            SnapshotContents c = matchingManifest(m, finish(check, entry));
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("fetched and verified {} -> {} (revision {}, {} keys)", entry.name(), out, c.effectiveRevision(), c.liveKeys());
            return new Fetched(out, entry, c);
        } finally {
            check.discard();
            Files.deleteIfExists(tmp);
        }
    }

    /** What {@link #verify} found: the db's contents, and the decoded snapshot's size (db and etcd's trailer). */
    public record Verified(SnapshotCatalog.Entry entry, SnapshotContents contents, long rawSize) {
    }

    /**
     * The checks of {@link #fetch} without keeping the db: the decoded stream goes through a
     * {@link StreamedSnapshotCheck}, whose condensed copy in {@code workDir} is all that touches the disk (about 1% of
     * the db for etcd's usual values).
     */
    public static Verified verify(SnapshotStore store, SnapshotCatalog.Entry entry, EncryptionKey key, Path workDir) throws IOException {
        SnapshotManifest m = entry.manifest();
        SnapshotCipher cipher = cipherFor(m, key, entry.name());
        Files.createDirectories(workDir);
        Path work = workDir.resolve(".etcd-ops-verify-" + entry.name() + ".check");
        StreamedSnapshotCheck check = new StreamedSnapshotCheck(work);
        try {
            SnapshotDecoder.Result r = decodeChecked(store, entry, cipher, check);
            SnapshotContents c = matchingManifest(m, finish(check, entry));
            LOG.info("verified {} (revision {}, {} keys)", entry.name(), c.effectiveRevision(), c.liveKeys());
            return new Verified(entry, c, r.rawSize());
        } finally {
            check.discard();
        }
    }

    private static SnapshotContents finish(StreamedSnapshotCheck check, SnapshotCatalog.Entry entry) throws IOException {
        try {
            return check.finish();
        } catch (SnapshotVerificationException e) {
            throw JobException.verification("snapshot " + entry.name() + " is not a valid etcd db: " + e.getMessage(), e);
        }
    }

    /** Downloads, decrypts and decompresses into {@code raw}; the stored object, the trailer and the db's sha256 must match. */
    private static SnapshotDecoder.Result decodeChecked(SnapshotStore store, SnapshotCatalog.Entry entry, SnapshotCipher cipher,
                                                        OutputStream raw) throws IOException {
        SnapshotManifest m = entry.manifest();
        SnapshotDecoder.Result r;
        try (InputStream in = store.open(m.object().key())) {
            r = SnapshotDecoder.decode(in, m.compressionType(), cipher, raw);
        }
        check(r.storedSize() == m.object().size() && r.storedSha256().equals(m.object().sha256()),
                "stored object " + m.object().key() + " does not match its manifest (size " + r.storedSize() + " vs "
                        + m.object().size() + ", sha256 " + abbrev(r.storedSha256()) + " vs " + abbrev(m.object().sha256()) + ")");
        check(r.trailer() == SnapshotTrailer.Status.VALID, "decoded snapshot of " + entry.name() + ": " + r.trailer().message());
        check(r.dbSha256().equals(m.dbSha256()), "decoded snapshot sha256 " + abbrev(r.dbSha256())
                + " does not match the manifest's " + abbrev(m.dbSha256()));
        return r;
    }

    /** The revision and key count the backup recorded, when its bbolt check ran; its storage version, if any. */
    private static SnapshotContents matchingManifest(SnapshotManifest m, SnapshotContents c) {
        if (m.verification() != null && m.verification().bbolt()) {
            check(c.effectiveRevision() == m.revision(), "snapshot revision " + c.effectiveRevision() + " differs from the manifest's " + m.revision());
            check(c.liveKeys() == m.keyCount(), "snapshot key count " + c.liveKeys() + " differs from the manifest's " + m.keyCount());
        }
        // restore-job decides on the db's storage version: a manifest that says otherwise was not written for this db
        check(m.storageVersion() == null || m.storageVersion().equals(c.storageVersion()), "snapshot storage version '"
                + c.storageVersion() + "' differs from the manifest's " + m.storageVersion());
        return c;
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
