package io.etcdops.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A part in a file of the spool directory. The file is unlinked as soon as it is open (DELETE_ON_CLOSE), so nothing is left behind
 * however the job ends; it is rewritten from the start for every part, so the kernel reuses the same page-cache
 * pages instead of growing the cache. Writes and reads are positional: the writer and one reader at a time (the
 * part's upload, or its retry) never share a file position.
 */
final class FilePartBuffer implements PartBuffer {
    private final Path dir;
    private final FileChannel channel;
    private int length;

    private FilePartBuffer(Path dir, FileChannel channel) {
        this.dir = dir;
        this.channel = channel;
    }

    static FilePartBuffer create(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            Path file = Files.createTempFile(dir, "etcd-ops-upload-", ".part");
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        StandardOpenOption.DELETE_ON_CLOSE); // on Linux: unlinked right after the open
                return new FilePartBuffer(dir, channel);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file); // created but not opened (too many open files): leave nothing behind
                throw e;
            }
        } catch (IOException e) {
            throw new IOException("cannot create an upload part file in " + dir + ": " + e.getMessage()
                    + " (set --spool-dir to a writable directory)", e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(b, off, len);
        try {
            while (src.hasRemaining()) {
                channel.write(src, length + (long) (src.position() - off));
            }
        } catch (IOException e) {
            throw new IOException("writing an upload part in " + dir + " failed: " + e.getMessage()
                    + " (is the disk full? --spool-dir needs part size x (parallelism + 1) free)", e);
        }
        length += len;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public InputStream newStream() {
        return new PartStream(length);
    }

    @Override
    public void clear() {
        length = 0;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // the file is already unlinked: nothing can be left behind
        }
    }

    /** Reads [0, end) of the file at its own position; mark/reset for SDKs that rewind a stream to retry. */
    private final class PartStream extends InputStream {
        private final int end;
        private int position;
        private int mark;

        PartStream(int end) {
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, Math.min(len, end - position)), position);
            if (n < 0) {
                throw new IOException("upload part file in " + dir + " ended after " + position + " of " + end + " bytes");
            }
            position += n;
            return n;
        }

        @Override
        public int available() {
            return end - position;
        }

        @Override
        public boolean markSupported() {
            return true;
        }

        @Override
        public synchronized void mark(int readLimit) {
            mark = position;
        }

        @Override
        public synchronized void reset() {
            position = mark;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, end - position));
            position += (int) k;
            return k;
        }
    }
}
