package io.etcdops.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelPartStreamTest {

    /** Records parts; optionally holds every upload until released. */
    static final class RecordingSink implements ParallelPartStream.PartSink {
        final Map<Integer, byte[]> parts = new ConcurrentSkipListMap<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final CountDownLatch release;
        volatile int failPart = -1;

        RecordingSink(boolean hold) {
            release = new CountDownLatch(hold ? 1 : 0);
        }

        @Override
        public void startParts() {
            events.add("start");
        }

        @Override
        public void uploadPart(int partNumber, byte[] data, int length) throws IOException {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                events.add("part " + partNumber);
                release.await();
                if (partNumber == failPart) {
                    throw new IOException("part " + partNumber + " refused");
                }
                parts.put(partNumber, Arrays.copyOf(data, length));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Test
    void anObjectOfAtMostOnePartIsNotSplit() throws IOException {
        RecordingSink sink = new RecordingSink(false);
        ParallelPartStream stream = new ParallelPartStream(sink, 10, 2, "test");
        stream.write(bytes(0, 10));
        ParallelPartStream.Finished finished = stream.finish();
        assertThat(finished.multipart()).isFalse();
        assertThat(Arrays.copyOf(finished.singleData(), finished.singleLength())).isEqualTo(bytes(0, 10));
        assertThat(sink.events).isEmpty();
    }

    @Test
    void anEmptyObjectIsASingleEmptyPut() throws IOException {
        ParallelPartStream.Finished finished = new ParallelPartStream(new RecordingSink(false), 10, 2, "test").finish();
        assertThat(finished.multipart()).isFalse();
        assertThat(finished.singleLength()).isZero();
    }

    @Test
    void partsAreCutAtThePartSizeNumberedFromOneAndKeepTheBytesInOrder() throws IOException {
        RecordingSink sink = new RecordingSink(false);
        ParallelPartStream stream = new ParallelPartStream(sink, 10, 3, "test");
        byte[] data = bytes(0, 35);
        stream.write(data, 0, 7);
        stream.write(data, 7, 20);
        stream.write(data[27]);
        stream.write(data, 28, 7);
        stream.close(); // must neither commit nor abort
        ParallelPartStream.Finished finished = stream.finish();

        assertThat(finished.parts()).isEqualTo(4);
        assertThat(sink.events.get(0)).isEqualTo("start");
        assertThat(sink.parts.keySet()).containsExactly(1, 2, 3, 4);
        assertThat(sink.parts.values()).extracting(p -> p.length).containsExactly(10, 10, 10, 5);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        sink.parts.values().forEach(joined::writeBytes);
        assertThat(joined.toByteArray()).isEqualTo(data);
        assertThatThrownBy(() -> stream.write(1)).isInstanceOf(IOException.class);
    }

    @Test
    void theWriterBlocksWhenParallelismPartsAreInFlightSoMemoryStaysBounded() throws Exception {
        RecordingSink sink = new RecordingSink(true);
        ParallelPartStream stream = new ParallelPartStream(sink, 10, 2, "test");
        AtomicLong accepted = new AtomicLong();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    stream.write(i);
                    accepted.incrementAndGet();
                }
                stream.finish();
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();

        awaitBlocked(writer);
        // 2 parts uploading + 1 queued = the parallelism + 1 buffers; the 31st byte has nowhere to go
        assertThat(accepted.get()).isEqualTo(30);
        assertThat(sink.running.get()).isEqualTo(2);

        sink.release.countDown();
        writer.join(10_000);
        assertThat(writerFailure.get()).isNull();
        assertThat(sink.parts).hasSize(10);
        assertThat(sink.maxRunning.get()).isEqualTo(2);
    }

    @Test
    void aFailedPartFailsTheNextWriteOrFinishWithItsMessage() throws Exception {
        RecordingSink sink = new RecordingSink(false);
        sink.failPart = 2;
        ParallelPartStream stream = new ParallelPartStream(sink, 10, 2, "test");
        assertThatThrownBy(() -> {
            for (int i = 0; i < 1000; i++) {
                stream.write(bytes(i, 10));
            }
            stream.finish();
        }).isInstanceOf(IOException.class).hasMessage("part 2 refused");
        assertThatThrownBy(stream::finish).isInstanceOf(IOException.class).hasMessage("part 2 refused");
    }

    @Test
    void abortReleasesABlockedWriterAndStopsThePartsInFlight() throws Exception {
        RecordingSink sink = new RecordingSink(true);
        ParallelPartStream stream = new ParallelPartStream(sink, 10, 2, "test");
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    stream.write(i);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        awaitBlocked(writer);

        stream.abort();
        writer.join(10_000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(writerFailure.get()).isInstanceOf(IOException.class);
        assertThat(sink.running.get()).isZero();
        assertThat(sink.parts).isEmpty();
    }

    /** Waits until the writer sits waiting for a free buffer (it polls in short slices). */
    private static void awaitBlocked(Thread writer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seenWaiting = 0;
        while (System.nanoTime() < deadline && seenWaiting < 5) {
            Thread.State state = writer.getState();
            seenWaiting = state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING ? seenWaiting + 1 : 0;
            Thread.sleep(20);
        }
        assertThat(seenWaiting).as("writer blocked").isEqualTo(5);
    }

    private static byte[] bytes(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }
}
