package io.etcdops.core.snapshot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelinedOutputStreamTest {

    @Test
    void bytesArriveInOrderAndCloseClosesDownstream() throws IOException {
        byte[] data = new byte[3_000_001];
        new Random(1).nextBytes(data);
        AtomicInteger closes = new AtomicInteger();
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closes.incrementAndGet();
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(sink, 64 * 1024, 2, "t");
        Random chunks = new Random(2);
        for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, chunks.nextInt(100_000));
            p.write(data, off, n);
            off += n;
        }
        p.close();
        assertThat(sink.toByteArray()).isEqualTo(data);
        assertThat(closes.get()).isEqualTo(1);
    }

    @Test
    void aDownstreamFailureSurfacesToTheWriter() {
        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("store went away");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("store went away");
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(failing, 1024, 1, "t");
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10_000; i++) {
                p.write(new byte[1024], 0, 1024);
            }
            p.close();
        }).isInstanceOf(IOException.class).hasMessage("store went away");
    }

    @Test
    void theWriterBlocksWhenTheQueueIsFull() throws Exception {
        Object gate = new Object();
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (gate) {
                    try {
                        gate.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        PipelinedOutputStream p = new PipelinedOutputStream(slow, 1024, 2, "t");
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    p.write(new byte[1024], 0, 1024);
                    written.incrementAndGet();
                }
            } catch (IOException e) {
                // interrupted at the end of the test
            }
        });
        writer.start();
        Thread.sleep(500);
        // one block held by the stuck downstream write, two queued, one more accepted before hand-off blocks
        assertThat(written.get()).isBetween(3, 5);
        p.abandon();
        writer.interrupt();
        synchronized (gate) {
            gate.notifyAll();
        }
    }
}
