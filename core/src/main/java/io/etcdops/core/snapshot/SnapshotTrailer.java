package io.etcdops.core.snapshot;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * etcd's snapshot integrity trailer: the snapshot stream etcd sends (and {@code etcdctl snapshot save} stores) is the
 * bbolt file followed by the 32-byte sha256 of that file. A file without it is a plain db (e.g. copied from a data
 * dir), which {@code etcdutl snapshot restore} accepts only with {@code --skip-hash-check}.
 *
 * <p>Whether a trailer is present is decided by length, exactly as etcdutl does ({@code hasChecksum}): the size
 * modulo 512 is 32. bbolt pages are multiples of 512 bytes, so a snapshot is N * pageSize + 32 bytes.
 */
public final class SnapshotTrailer {
    public static final int LENGTH = 32;
    /** etcdutl's unit for the length test: the smallest disk sector, a divisor of every bbolt page size. */
    private static final int SECTOR = 512;

    /** What the end of a snapshot says about it. */
    public enum Status {
        /** The last 32 bytes are the sha256 of everything before them. */
        VALID("etcd's sha256 trailer matches"),
        /** The length says there is a trailer, but it is not the sha256 of the data. */
        MISMATCH("snapshot sha256 trailer mismatch: the stream was truncated or corrupted"),
        /** The length is a multiple of 512: a plain bbolt file (restore needs --skip-hash-check), or cut at a page. */
        ABSENT("no sha256 trailer: a plain bbolt db file (etcdutl snapshot restore needs --skip-hash-check)"
                + " or a snapshot truncated at a page boundary"),
        /** Neither (or too short to be a bbolt file): the data was truncated or padded. */
        BAD_LENGTH("snapshot length fits neither a bbolt file nor one with etcd's sha256 trailer: it was truncated");

        private final String message;

        Status(String message) {
            this.message = message;
        }

        /** One line for users. */
        public String message() {
            return message;
        }
    }

    private SnapshotTrailer() {
    }

    /** etcdutl's test for a trailer, by length alone. */
    public static boolean hasTrailerBySize(long size) {
        return size % SECTOR == LENGTH;
    }

    /** Reads {@code file} once and says whether it ends with a matching trailer. */
    public static Status check(Path file) throws IOException {
        Checker checker = new Checker();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (ch.read(buf) >= 0) {
                buf.flip();
                checker.update(buf.array(), 0, buf.limit());
                buf.clear();
            }
        }
        return checker.status();
    }

    /** True when {@code file} ends with etcd's sha256 trailer and it matches. */
    public static boolean hasValidTrailer(Path file) throws IOException {
        return check(file) == Status.VALID;
    }

    /** Throws unless {@code status} is VALID (or ABSENT, when a plain db file is acceptable). */
    public static void require(Status status, boolean allowAbsent) throws SnapshotVerificationException {
        if (status != Status.VALID && !(allowAbsent && status == Status.ABSENT)) {
            throw new SnapshotVerificationException(status.message());
        }
    }

    /**
     * Checks a stream fed to it in pieces of any size: sha256 over all bytes but the last 32, which it holds back in
     * a 32-byte look-behind buffer until it knows they are not the trailer. Constant memory; not thread-safe.
     */
    public static final class Checker {
        private final MessageDigest sha256 = newSha256();
        private final byte[] held = new byte[LENGTH];
        private int heldLen;
        private long count;

        public void update(int b) {
            update(new byte[] {(byte) b}, 0, 1);
        }

        public void update(byte[] b, int off, int len) {
            count += len;
            int excess = heldLen + len - LENGTH;
            if (excess <= 0) {
                System.arraycopy(b, off, held, heldLen, len);
                heldLen += len;
                return;
            }
            // the oldest 'excess' bytes of held + b can no longer be part of the trailer: hash them
            int fromHeld = Math.min(excess, heldLen);
            sha256.update(held, 0, fromHeld);
            int fromInput = excess - fromHeld;
            sha256.update(b, off, fromInput);
            int keep = heldLen - fromHeld;
            System.arraycopy(held, fromHeld, held, 0, keep);
            System.arraycopy(b, off + fromInput, held, keep, len - fromInput);
            heldLen = LENGTH;
        }

        /** Bytes fed so far. */
        public long count() {
            return count;
        }

        /** The verdict if the stream ended now; feeding may go on afterwards. */
        public Status status() {
            if (count < 2 * SECTOR) {
                return Status.BAD_LENGTH; // not even two bbolt meta pages
            }
            if (MessageDigest.isEqual(digestOfData(), held)) {
                return Status.VALID;
            }
            if (hasTrailerBySize(count)) {
                return Status.MISMATCH;
            }
            return count % SECTOR == 0 ? Status.ABSENT : Status.BAD_LENGTH;
        }

        /** sha256 of every byte fed, the trailer included (what a store holds when nothing re-encodes the stream). */
        public byte[] sha256OfAll() {
            MessageDigest all = cloneDigest();
            all.update(held, 0, heldLen);
            return all.digest();
        }

        /**
         * sha256 of the bbolt file: all bytes but the trailer when the stream has one (VALID or MISMATCH), else
         * all bytes. This is the "sha256 of the raw db" a manifest records.
         */
        public byte[] dbSha256() {
            Status s = status();
            if (s == Status.VALID || s == Status.MISMATCH) {
                return digestOfData();
            }
            MessageDigest all = cloneDigest();
            all.update(held, 0, heldLen);
            return all.digest();
        }

        /** The last (up to) 32 bytes seen: the trailer, when there is one. */
        public byte[] trailer() {
            byte[] out = new byte[heldLen];
            System.arraycopy(held, 0, out, 0, heldLen);
            return out;
        }

        private byte[] digestOfData() {
            return cloneDigest().digest();
        }

        private MessageDigest cloneDigest() {
            try {
                return (MessageDigest) sha256.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
            }
        }
    }

    /** Passes every byte written through unchanged (the trailer included) and checks the trailer on the way. */
    public static final class CheckingOutputStream extends FilterOutputStream {
        private final Checker checker = new Checker();

        public CheckingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            checker.update(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            checker.update(b, off, len);
        }

        public Checker checker() {
            return checker;
        }
    }

    /** Passes every byte read through unchanged (the trailer included) and checks the trailer on the way. */
    public static final class CheckingInputStream extends FilterInputStream {
        private final Checker checker = new Checker();

        public CheckingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                checker.update(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                checker.update(b, off, n);
            }
            return n;
        }

        /** Reads through, so every byte is checked. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
            long left = n;
            while (left > 0) {
                int r = read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    break;
                }
                left -= r;
            }
            return n - left;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        public Checker checker() {
            return checker;
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
