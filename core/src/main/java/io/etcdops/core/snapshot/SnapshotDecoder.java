package io.etcdops.core.snapshot;

import io.etcdops.core.crypto.SnapshotCipher;
import io.etcdops.core.runtime.JobException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HexFormat;

/**
 * The read side: stored bytes in, etcd's raw snapshot out, with the stored object's sha256 and the db's sha256
 * (plus etcd's trailer verdict) computed on the way so they can be compared with the manifest. A wrong key, a flipped
 * bit or a truncated object ends in exit 4 with one line.
 */
public final class SnapshotDecoder {

    /** sha256 and size of the stored object as read; size, trailer verdict and db sha256 of the snapshot produced. */
    public record Result(long storedSize, String storedSha256, long rawSize, SnapshotTrailer.Status trailer, String dbSha256) {
    }

    private SnapshotDecoder() {
    }

    public static Result decode(InputStream storedIn, Compression compression, SnapshotCipher cipher, OutputStream rawOut)
            throws IOException {
        HashingInputStream stored = new HashingInputStream(storedIn);
        SnapshotTrailer.CheckingOutputStream raw = new SnapshotTrailer.CheckingOutputStream(rawOut);
        try {
            InputStream decrypted = cipher == null ? stored : cipher.decrypting(stored);
            InputStream plain = compression.decompressing(decrypted);
            // download + decrypt + decompress here, trailer sha256 + write on a second thread (two cores, one stream)
            try (PipelinedOutputStream pipe = new PipelinedOutputStream(raw, 1 << 20, 4, "snapshot-decoder")) {
                plain.transferTo(pipe);
            }
        } catch (IOException e) {
            if (e instanceof io.etcdops.core.store.StoreAccessException) {
                throw e;
            }
            String what = cipher != null ? "decryption failed (wrong key, or the object was altered or truncated)"
                    : compression != Compression.NONE ? "decompression failed (the object is corrupt or truncated)" : null;
            if (what != null && !(e instanceof java.net.SocketException)) {
                throw JobException.verification("snapshot " + what + ": " + e.getMessage(), e);
            }
            throw e;
        }
        stored.drain();
        raw.flush();
        return new Result(stored.count(), stored.sha256Hex(), raw.checker().count(), raw.checker().status(),
                HexFormat.of().formatHex(raw.checker().dbSha256()));
    }
}
