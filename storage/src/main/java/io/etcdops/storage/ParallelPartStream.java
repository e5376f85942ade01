package io.etcdops.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Cuts what is written into parts of a fixed size and uploads full parts on a small thread pool, at most
 * {@code parallelism} at a time. There are never more than {@code parallelism + 1} part buffers: when all are busy
 * the writer blocks until a part finishes, so the parts in flight stay at about {@code partSize * (parallelism + 1)}
 * however fast the writer is (this is the backpressure the snapshot stream relies on). The buffers are files of a
 * spool directory when one is given (backups: the heap then holds none of them), else byte arrays.
 *
 * <p>A part is sent only once a byte beyond it arrives, so an object of at most one part is never split: {@link
 * #finish()} hands it back for a single-request upload (S3 PutObject, Azure Put Blob).
 *
 * <p>Closing the stream does nothing: the owning {@link io.etcdops.core.store.Upload} decides between commit
 * ({@link #finish()}) and abort ({@link #abort()}), and calls {@link #release()} when it is done with the parts.
 */
final class ParallelPartStream extends OutputStream {

    /** Where parts go; both methods throw IOExceptions already mapped to one-line store messages. */
    interface PartSink {
        /** Called once, on the writer's thread, before the first part is sent (e.g. S3 CreateMultipartUpload). */
        void startParts() throws IOException;

        /** Uploads one part on a pool thread; {@code partNumber} starts at 1. Must not keep {@code part}. */
        void uploadPart(int partNumber, PartBuffer part) throws IOException;
    }

    /**
     * What {@link #finish()} leaves: either a single small object to put ({@code single}, valid until {@link
     * #release()}), or the number of parts uploaded.
     */
    record Finished(PartBuffer single, int parts) {
        boolean multipart() {
            return parts > 0;
        }
    }

    private static final long WAIT_SLICE_MS = 200;
    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final PartSink sink;
    private final int partSize;
    private final int parallelism;
    private final String threadName;
    private final Path bufferDir;
    private final BlockingQueue<PartBuffer> freeBuffers;
    private final List<PartBuffer> allBuffers = new CopyOnWriteArrayList<>();
    private final List<Future<?>> sent = new ArrayList<>();
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile ExecutorService pool;
    private volatile boolean aborted;
    private boolean finished;
    private PartBuffer current;
    private int partCount;

    /** {@code bufferDir}: where part files go; null keeps the parts on the heap. */
    ParallelPartStream(PartSink sink, int partSize, int parallelism, String threadName, Path bufferDir) {
        if (partSize < 1 || parallelism < 1) {
            throw new IllegalArgumentException("partSize and parallelism must be positive");
        }
        this.sink = sink;
        this.partSize = partSize;
        this.parallelism = parallelism;
        this.threadName = threadName;
        this.bufferDir = bufferDir;
        this.freeBuffers = new ArrayBlockingQueue<>(parallelism + 1);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** One writer thread at a time, as for any OutputStream; only {@link #abort()} may come from another thread. */
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureWritable();
        int offset = off;
        int remaining = len;
        while (remaining > 0) {
            if (current == null) {
                current = takeBuffer();
            } else if (current.length() == partSize) {
                sendCurrent();
                continue;
            }
            int n = Math.min(remaining, partSize - current.length());
            current.write(b, offset, n);
            offset += n;
            remaining -= n;
        }
    }

    /** Does nothing: closing must neither commit nor abort (an encoder may close its sink before the commit). */
    @Override
    public void close() {
    }

    /**
     * Ends the writing: for a small object returns its bytes, otherwise sends the last part and waits for all parts.
     * Throws the first part failure; the caller then aborts.
     */
    Finished finish() throws IOException {
        ensureWritable();
        finished = true;
        if (partCount == 0) {
            return new Finished(current == null ? PartBuffer.create(null, 0) : current, 0);
        }
        if (current != null && current.length() > 0) {
            sendCurrent();
        }
        for (Future<?> part : sent) {
            awaitPart(part);
        }
        shutdownPool();
        return new Finished(null, partCount);
    }

    /** Frees the part buffers (deletes their files); call once the upload is committed or aborted. */
    void release() {
        for (PartBuffer b : allBuffers) {
            b.close();
        }
    }

    /** Stops sending, interrupts parts in flight and waits (bounded) for them, so an abort that follows is final. */
    void abort() {
        aborted = true;
        ExecutorService p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                if (!p.awaitTermination(30, TimeUnit.SECONDS)) {
                    // a part still running after this may reappear as an incomplete upload: retention cleans it
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void sendCurrent() throws IOException {
        if (partCount == 0) {
            sink.startParts();
            pool = Executors.newFixedThreadPool(parallelism, daemonThreads());
        }
        ExecutorService p = pool;
        int partNumber = ++partCount;
        PartBuffer part = current;
        current = null;
        try {
            sent.add(p.submit(() -> uploadOnPool(partNumber, part)));
        } catch (RejectedExecutionException e) {
            throw new IOException("upload was aborted", e);
        }
        sent.removeIf(Future::isDone);
        throwIfFailed();
    }

    /** Runs on a pool thread: after the first failure the remaining parts are skipped, not sent. */
    private void uploadOnPool(int partNumber, PartBuffer part) {
        try {
            if (failure.get() == null && !aborted) {
                sink.uploadPart(partNumber, part);
            }
        } catch (IOException e) {
            failure.compareAndSet(null, e);
        } catch (RuntimeException e) {
            failure.compareAndSet(null, new IOException("part " + partNumber + " failed: " + e.getMessage(), e));
        } finally {
            part.clear();
            freeBuffers.offer(part);
        }
    }

    /** A recycled buffer, a new one while fewer than parallelism + 1 exist, or else wait for a part to finish. */
    private PartBuffer takeBuffer() throws IOException {
        PartBuffer buffer = freeBuffers.poll();
        if (buffer != null) {
            return buffer;
        }
        if (allBuffers.size() < parallelism + 1) {
            PartBuffer created = PartBuffer.create(bufferDir, partSize);
            allBuffers.add(created);
            return created;
        }
        try {
            while (true) {
                ensureWritable();
                buffer = freeBuffers.poll(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
                if (buffer != null) {
                    return buffer;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a part upload");
        }
    }

    private void awaitPart(Future<?> part) throws IOException {
        try {
            while (true) {
                ensureNotAborted();
                try {
                    part.get(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    // a part not started before an abort's shutdownNow() never completes: check again
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for part uploads");
        } catch (ExecutionException e) {
            throw new IOException("part upload failed: " + e.getCause(), e.getCause());
        }
        throwIfFailed();
    }

    private void throwIfFailed() throws IOException {
        IOException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    private void ensureNotAborted() throws IOException {
        throwIfFailed();
        if (aborted) {
            throw new IOException("upload was aborted");
        }
    }

    private void ensureWritable() throws IOException {
        ensureNotAborted();
        if (finished) {
            throw new IOException("upload already finished");
        }
    }

    private void shutdownPool() {
        ExecutorService p = pool;
        if (p != null) {
            p.shutdown();
        }
    }

    private java.util.concurrent.ThreadFactory daemonThreads() {
        int id = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, threadName + "-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
