package io.etcdops.upgrade;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client writing throughout an upgrade, the way applications do: one put after another over a client that knows
 * every member, each put retried up to 10 times (5 s timeout, 300 ms apart) before it counts as failed.
 */
final class Writer implements AutoCloseable {
    private final Client client;
    private final Thread thread;
    private final AtomicInteger ok = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private volatile boolean stop;
    private volatile String lastKey;

    Writer(SimulatedEtcd etcd) {
        this.client = etcd.client();
        this.thread = new Thread(this::loop, "writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        int n = 0;
        while (!stop) {
            String key = "/writer/" + (n++);
            boolean done = false;
            for (int attempt = 1; attempt <= 10 && !done; attempt++) {
                try {
                    client.getKVClient().put(bytes(key), bytes("value-" + n)).get(5, TimeUnit.SECONDS);
                    done = true;
                } catch (Exception e) {
                    retries.incrementAndGet();
                    sleep(300);
                }
            }
            if (done) {
                ok.incrementAndGet();
                lastKey = key;
            } else {
                failed.incrementAndGet();
            }
            sleep(20);
        }
    }

    int ok() {
        return ok.get();
    }

    int failed() {
        return failed.get();
    }

    int retries() {
        return retries.get();
    }

    String lastKey() {
        return lastKey;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
