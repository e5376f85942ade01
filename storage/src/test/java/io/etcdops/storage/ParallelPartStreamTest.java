package io.etcdops.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        public void uploadPart(int partNumber, PartBuffer part) throws IOException {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                events.add("part " + partNumber);
                release.await();
                if (partNumber == failPart) {
                    throw new IOException("part " + partNumber + " refused");
                }
                byte[] first = readAll(part);
                assertThat(readAll(part)).as("a retry reads the same bytes again").isEqualTo(first);
                parts.put(partNumber, first);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void anObjectOfAtMostOnePartIsNotSplit(Buffers buffers) throws IOException {
        RecordingSink sink = new RecordingSink(false);
        ParallelPartStream stream = open(sink, 10, 2, buffers);
        stream.write(bytes(0, 10));
        ParallelPartStream.Finished finished = stream.finish();
        assertThat(finished.multipart()).isFalse();
        assertThat(readAll(finished.single())).isEqualTo(bytes(0, 10));
        assertThat(sink.events).isEmpty();
        stream.release();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void anEmptyObjectIsASingleEmptyPut(Buffers buffers) throws IOException {
        ParallelPartStream.Finished finished = open(new RecordingSink(false), 10, 2, buffers).finish();
        assertThat(finished.multipart()).isFalse();
        assertThat(finished.single().length()).isZero();
        assertThat(readAll(finished.single())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void partsAreCutAtThePartSizeNumberedFromOneAndKeepTheBytesInOrder(Buffers buffers) throws IOException {
        RecordingSink sink = new RecordingSink(false);
        ParallelPartStream stream = open(sink, 10, 3, buffers);
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void theWriterBlocksWhenParallelismPartsAreInFlightSoMemoryStaysBounded(Buffers buffers) throws Exception {
        RecordingSink sink = new RecordingSink(true);
        ParallelPartStream stream = open(sink, 10, 2, buffers);
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void aFailedPartFailsTheNextWriteOrFinishWithItsMessage(Buffers buffers) throws Exception {
        RecordingSink sink = new RecordingSink(false);
        sink.failPart = 2;
        ParallelPartStream stream = open(sink, 10, 2, buffers);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 1000; i++) {
                stream.write(bytes(i, 10));
            }
            stream.finish();
        }).isInstanceOf(IOException.class).hasMessage("part 2 refused");
        assertThatThrownBy(stream::finish).isInstanceOf(IOException.class).hasMessage("part 2 refused");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Buffers.class)
    void abortReleasesABlockedWriterAndStopsThePartsInFlight(Buffers buffers) throws Exception {
        RecordingSink sink = new RecordingSink(true);
        ParallelPartStream stream = open(sink, 10, 2, buffers);
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

    @Test
    void partFilesAreNeverVisibleInTheSpoolDirectoryAndTheirBytesSurviveReuse() throws Exception {
        RecordingSink sink = new RecordingSink(true);
        ParallelPartStream stream = open(sink, 10, 2, Buffers.FILES);
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        byte[] data = bytes(7, 95);
        Thread writer = new Thread(() -> {
            try {
                stream.write(data, 0, data.length);
                stream.finish();
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        awaitBlocked(writer);
        // 3 part files are open (2 uploading, 1 full): unlinked, so a killed job leaves nothing behind
        assertThat(filesIn(spool)).isEmpty();
        assertThat(Files.list(Path.of("/proc/self/fd")).filter(fd -> target(fd).startsWith(spool.toString())).count())
                .as("open part files").isEqualTo(3);

        sink.release.countDown();
        writer.join(10_000);
        assertThat(writerFailure.get()).isNull();
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        sink.parts.values().forEach(joined::writeBytes);
        assertThat(joined.toByteArray()).as("10 parts through 3 reused files").isEqualTo(data);
        stream.release();
        assertThat(Files.list(Path.of("/proc/self/fd")).filter(fd -> target(fd).startsWith(spool.toString())).count())
                .as("open part files after release").isZero();
    }

    @Test
    void aSpoolDirectoryThatCannotBeCreatedFailsTheFirstWriteWithOneLine() throws Exception {
        Path notADir = Files.writeString(spool.resolve("a-file"), "x");
        ParallelPartStream stream = new ParallelPartStream(new RecordingSink(false), 10, 2, "test", notADir.resolve("spool"));
        assertThatThrownBy(() -> stream.write(bytes(0, 5)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot create an upload part file in " + notADir.resolve("spool"))
                .hasMessageEndingWith("(set --spool-dir to a writable directory)")
                .hasMessageNotContaining("\n");
    }

    enum Buffers { HEAP, FILES }

    @TempDir
    Path spool;

    @AfterEach
    void nothingIsLeftInTheSpoolDirectory() throws IOException {
        try (var files = Files.list(spool)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("etcd-ops-upload-"))).isEmpty();
        }
    }

    private ParallelPartStream open(RecordingSink sink, int partSize, int parallelism, Buffers buffers) {
        return new ParallelPartStream(sink, partSize, parallelism, "test", buffers == Buffers.FILES ? spool : null);
    }

    private static List<Path> filesIn(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static String target(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "";
        }
    }

    static byte[] readAll(PartBuffer part) throws IOException {
        try (InputStream in = part.newStream()) {
            return in.readAllBytes();
        }
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
