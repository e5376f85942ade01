package io.etcdops.core.snapshot;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands writes to a second thread that writes them downstream, so the snapshot stream (gRPC, trailer check, spool)
 * and the CPU-heavy half (compression, encryption, hashing, upload) run on two cores instead of one. Bounded:
 * at most {@code depth} blocks of {@code blockSize} bytes wait between the two, and the writer blocks when they are
 * all taken — backpressure reaches etcd's stream. A downstream failure surfaces on the next write or on close.
 * {@link #close()} drains, closes the downstream stream and waits for the thread.
 */
public final class PipelinedOutputStream extends OutputStream {
    private static final byte[] END = new byte[0];

    private final BlockingQueue<byte[]> queue;
    /** Full-size blocks the worker has written, for the writer to fill again: no allocation per block. */
    private final BlockingQueue<byte[]> free;
    private final Thread worker;
    private final int blockSize;
    private byte[] block;
    private int fill;
    private volatile Throwable failure;
    private boolean closed;

    public PipelinedOutputStream(OutputStream downstream, int blockSize, int depth, String threadName) {
        this.blockSize = blockSize;
        this.queue = new ArrayBlockingQueue<>(depth);
        this.free = new ArrayBlockingQueue<>(depth + 1);
        this.block = new byte[blockSize];
        this.worker = new Thread(() -> drain(downstream), threadName);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    private void drain(OutputStream downstream) {
        try {
            while (true) {
                byte[] b = queue.take();
                if (b == END) {
                    downstream.close();
                    return;
                }
                downstream.write(b, 0, b.length);
                if (b.length == blockSize) {
                    free.offer(b);
                }
            }
        } catch (Throwable t) {
            failure = t;
            queue.clear();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        check();
        while (len > 0) {
            int n = Math.min(len, blockSize - fill);
            System.arraycopy(b, off, block, fill, n);
            fill += n;
            off += n;
            len -= n;
            if (fill == blockSize) {
                hand(block);
                byte[] recycled = free.poll();
                block = recycled != null ? recycled : new byte[blockSize];
                fill = 0;
            }
        }
    }

    /** Writes are handed over in whole blocks; flush() does not force a partial block (close() does). */
    @Override
    public void flush() throws IOException {
        check();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (failure == null && fill > 0) {
            byte[] last = new byte[fill];
            System.arraycopy(block, 0, last, 0, fill);
            hand(last);
        }
        if (failure == null) {
            hand(END);
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while finishing the upload pipeline");
        }
        check();
    }

    /** Stops the worker without finishing the downstream stream (the caller aborts the upload). */
    public void abandon() {
        closed = true;
        worker.interrupt();
    }

    private void hand(byte[] b) throws IOException {
        try {
            while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
                check();
                if (!worker.isAlive()) {
                    throw new IOException("upload pipeline stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private void check() throws IOException {
        Throwable t = failure;
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IOException(t);
        }
    }
}
