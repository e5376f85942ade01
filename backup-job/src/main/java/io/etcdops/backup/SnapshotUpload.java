package io.etcdops.backup;

import io.etcdops.core.crypto.SnapshotCipher;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.Futures;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.ToolVersion;
import io.etcdops.core.snapshot.ProgressLog;
import io.etcdops.core.snapshot.SnapshotContents;
import io.etcdops.core.snapshot.SnapshotEncoder;
import io.etcdops.core.snapshot.SnapshotInspector;
import io.etcdops.core.snapshot.SnapshotManifest;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.snapshot.SnapshotStreamer;
import io.etcdops.core.snapshot.SnapshotVerificationException;
import io.etcdops.core.snapshot.StreamedSnapshotCheck;
import io.etcdops.core.snapshot.SnapshotTrailer;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.Upload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Streams one member's snapshot through verification, compression and encryption into the store, in one pass:
 * <pre>etcd --(flow-controlled gRPC)--> trailer check --> [bbolt check of the stream] --> zstd --> AES-GCM --> upload</pre>
 * The object is committed only after etcd's sha256 trailer matched and (with --verify full) the bbolt check passed;
 * otherwise the upload is aborted and nothing is left in the store. The check of the stream
 * ({@link StreamedSnapshotCheck}) keeps a condensed copy in the spool directory, about 1% of the db. When the store
 * writes the raw bytes to a local file anyway ({@code file://}, no compression, no encryption), that file is read
 * instead and nothing is spooled.
 */
final class SnapshotUpload {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotUpload.class);

    record Result(MemberStatus member, String stem, String objectKey, long rawSize, String dbSha256, long storedSize,
                  String storedSha256, SnapshotContents contents, Instant createdAt, double seconds, String keyId,
                  String storageVersion) {

        SnapshotManifest manifest(BackupSettings s, ClusterView view) {
            return new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, s.cluster(), view.clusterIdHex(),
                    member.member().label(), member.member().idHex(), member.version(), contents.effectiveRevision(),
                    contents.compactRevision(), contents.term() > 0 ? contents.term() : null,
                    contents.consistentIndex() > 0 ? contents.consistentIndex() : null, contents.liveKeys(),
                    contents.keyRevisions(), rawSize, dbSha256,
                    new SnapshotManifest.StoredObjectInfo(objectKey, storedSize, storedSha256), s.compression().label(),
                    s.key() == null ? null : new SnapshotManifest.EncryptionInfo(io.etcdops.core.crypto.SnapshotCipher.ALGORITHM, keyId),
                    createdAt, ToolVersion.get(),
                    new SnapshotManifest.VerificationInfo(s.verifyFull() ? "full" : "trailer", true, s.verifyFull(), "passed"),
                    storageVersion.isEmpty() ? null : storageVersion);
        }
    }

    private final BackupSettings settings;
    private final SnapshotStore store;
    private final SnapshotCipher cipher;
    private final SnapshotStreamer streamer;

    SnapshotUpload(BackupSettings settings, SnapshotStore store, SnapshotCipher cipher, SnapshotStreamer streamer) {
        this.settings = settings;
        this.store = store;
        this.cipher = cipher;
        this.streamer = streamer;
    }

    Result run(MemberStatus member, long revisionHint, Instant at) throws IOException {
        long t0 = System.nanoTime();
        String stem = SnapshotNames.stem(at, revisionHint);
        String objectKey = SnapshotNames.objectKey(settings.cluster(), stem, settings.compression(), cipher != null);
        Upload upload = store.begin(objectKey);
        // A file:// store keeping the raw bytes already has the db on local disk: verify that copy, spool nothing.
        Path written = settings.verifyFull() && SnapshotEncoder.storesRawStream(settings.compression(), cipher) ? upload.writtenFile().orElse(null) : null;
        Path spool = settings.verifyFull() && written == null
                ? settings.spoolDir().resolve("etcd-ops-" + settings.cluster() + "-" + member.member().label() + "-" + stem + ".db.check")
                : null;
        StreamedSnapshotCheck check = spool == null ? null : new StreamedSnapshotCheck(spool);
        CompletableFuture<SnapshotContents> inspection = CompletableFuture.completedFuture(SnapshotContents.unknown());
        SnapshotStreamer.Streamed streamed = null;
        try {
            SnapshotEncoder encoder = null;
            try (OutputStream spoolOut = check == null ? null : openSpool(spool, check)) {
                encoder = new SnapshotEncoder(upload.stream(), settings.compression(), cipher, spoolOut);
                streamed = streamer.stream(member.endpoint(), encoder.input(), new ProgressLog("snapshot " + member.member().label(), 5));
                if (spoolOut != null) {
                    // the whole db went past the check: walk its trees while the encoder drains the last blocks
                    spoolOut.flush();
                    inspection = CompletableFuture.supplyAsync(() -> inspect(check, member));
                }
                encoder.finish();
            } catch (IOException | RuntimeException e) {
                if (encoder != null) {
                    encoder.abandon();
                }
                throw e;
            }
            SnapshotTrailer.Status status = encoder.trailerStatus();
            if (status != SnapshotTrailer.Status.VALID) {
                throw JobException.verification("snapshot from " + member.member().label() + " failed verification: "
                        + status.message() + "; nothing was committed");
            }
            SnapshotContents contents = written != null ? inspectWhilePersisting(upload, written, member) : Futures.join(inspection);
            upload.commit();
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Result(member, stem, objectKey, encoder.rawSize(), encoder.dbSha256(), encoder.storedSize(),
                    encoder.storedSha256(), contents, at, secs, cipher == null ? null : cipher.key().id(),
                    storageVersion(streamed, contents, member));
        } catch (SpoolWriteException e) {
            upload.abort();
            throw JobException.failed("writing the spool file " + spool + " failed: " + e.getMessage()
                    + " (is the disk full? set --spool-dir to a volume with room for the whole db, or use --verify trailer)", e);
        } catch (SnapshotStreamer.SnapshotStreamException | JobException e) {
            upload.abort();
            throw e;
        } catch (IOException | RuntimeException e) {
            upload.abort();
            throw JobException.failed("uploading " + objectKey + " to " + store.uri() + " failed: " + e.getMessage()
                    + " (the partial upload was aborted)", e);
        } finally {
            if (check != null) {
                check.discard();
            }
        }
    }

    /**
     * The db's own {@code meta/storageVersion} when it was read (--verify full), else what etcd 3.6+ put in the
     * stream's messages; "" for 3.4/3.5. Both come from the same backend at the same moment, so they agree.
     */
    private static String storageVersion(SnapshotStreamer.Streamed streamed, SnapshotContents contents, MemberStatus member) {
        String reported = streamed == null ? "" : streamed.storageVersion();
        if (!contents.known()) {
            return reported;
        }
        if (!reported.isEmpty() && !reported.equals(contents.storageVersion())) {
            LOG.warn("member {} reported storage version {} but its snapshot's db holds {}: the manifest records the db's",
                    member.member().label(), reported, contents.storageVersion().isEmpty() ? "none" : contents.storageVersion());
        }
        return contents.storageVersion();
    }

    /**
     * The file store's copy is read back while its fsync runs (etcdctl's fsync, which the bbolt read of the page
     * cache does not wait for); the object is still invisible until commit. A failed check wins over a failed fsync.
     */
    private static SnapshotContents inspectWhilePersisting(Upload upload, Path written, MemberStatus member) throws IOException {
        CompletableFuture<SnapshotContents> check = CompletableFuture.supplyAsync(() -> inspect(written, member));
        IOException persistFailure = null;
        try {
            upload.persist();
        } catch (IOException e) {
            persistFailure = e;
        }
        SnapshotContents contents = Futures.join(check);
        if (persistFailure != null) {
            throw persistFailure;
        }
        return contents;
    }

    private static SnapshotContents inspect(Path copy, MemberStatus member) {
        return checked(member, "reading back the snapshot copy " + copy, () -> SnapshotInspector.inspect(copy));
    }

    private static SnapshotContents inspect(StreamedSnapshotCheck check, MemberStatus member) {
        return checked(member, "checking the snapshot stream", check::finish);
    }

    private interface Check {
        SnapshotContents run() throws IOException, SnapshotVerificationException;
    }

    private static SnapshotContents checked(MemberStatus member, String what, Check check) {
        try {
            SnapshotContents c = check.run();
            LOG.info("verified bbolt file: revision {}, {} live keys, compacted at {}", c.effectiveRevision(), c.liveKeys(), c.compactRevision());
            return c;
        } catch (SnapshotVerificationException e) {
            throw JobException.verification("snapshot from " + member.member().label() + " failed verification: "
                    + e.getMessage() + "; nothing was committed", e);
        } catch (IOException e) {
            throw JobException.failed(what + " failed: " + e.getMessage(), e);
        }
    }

    private static OutputStream openSpool(Path spool, StreamedSnapshotCheck check) throws IOException {
        try {
            Files.createDirectories(spool.getParent());
            return new SpoolStream(check);
        } catch (IOException e) {
            throw new SpoolWriteException(e);
        }
    }

    /** Tags spool failures (disk full) so they are reported as such, not as upload failures. */
    private static final class SpoolStream extends FilterOutputStream {
        SpoolStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw new SpoolWriteException(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw new SpoolWriteException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                throw new SpoolWriteException(e);
            }
        }
    }

    static final class SpoolWriteException extends IOException {
        SpoolWriteException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
