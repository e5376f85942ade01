package io.etcdops.health.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdMember;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Background writers for the defrag benchmark: one pinned to each member, and one that starts on the first member
 * and moves to the next endpoint after an error (what a client with a failover list does). Each records the longest
 * time between two successful writes, its failed writes and their first messages.
 */
final class Writers {
    private static final int PUT_TIMEOUT_SECONDS = 30;

    record Result(double longestGap, double memberWritersGap, double rotatingGap, int ok, int failed, List<String> errors) {
    }

    private static final class Writer extends Thread {
        final EtcdCluster cluster;
        final List<String> endpoints;
        final boolean rotate;
        volatile boolean stop;
        volatile long maxGapNanos;
        int ok;
        int failed;
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());

        Writer(EtcdCluster cluster, List<String> endpoints, boolean rotate, String name) {
            super(name);
            setDaemon(true); // a crashed benchmark must not be kept alive by its writers
            this.cluster = cluster;
            this.endpoints = endpoints;
            this.rotate = rotate;
        }

        @Override
        public void run() {
            int idx = 0;
            Client client = cluster.client(endpoints.get(idx));
            long lastOk = System.nanoTime();
            long n = 0;
            try {
                while (!stop) {
                    try {
                        client.getKVClient().put(bytes("/bench/writer/" + getName() + "/" + (n++ % 1000)), bytes("v" + n))
                                .get(PUT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        long now = System.nanoTime();
                        maxGapNanos = Math.max(maxGapNanos, now - lastOk);
                        lastOk = now;
                        ok++;
                    } catch (Exception e) {
                        failed++;
                        if (errors.size() < 3) {
                            Throwable t = e.getCause() == null ? e : e.getCause();
                            errors.add(getName() + ": " + String.valueOf(t.getMessage()).lines().findFirst().orElse(""));
                        }
                        if (rotate) {
                            client.close();
                            idx = (idx + 1) % endpoints.size();
                            client = cluster.client(endpoints.get(idx));
                        }
                    }
                }
            } finally {
                client.close();
            }
        }
    }

    private final List<Writer> writers;

    private Writers(List<Writer> writers) {
        this.writers = writers;
    }

    static Writers start(EtcdCluster c) {
        List<Writer> ws = new ArrayList<>();
        List<String> all = c.members().stream().map(EtcdMember::clientUrl).toList();
        for (EtcdMember m : c.members()) {
            ws.add(new Writer(c, List.of(m.clientUrl()), false, "pinned-" + m.name()));
        }
        ws.add(new Writer(c, all, true, "rotating"));
        ws.forEach(Thread::start);
        try {
            Thread.sleep(1000); // warm up: connections open, first writes done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ws.forEach(w -> {
            w.maxGapNanos = 0;
        });
        return new Writers(ws);
    }

    Result stop() throws InterruptedException {
        writers.forEach(w -> w.stop = true);
        for (Writer w : writers) {
            w.join(TimeUnit.SECONDS.toMillis(PUT_TIMEOUT_SECONDS + 5));
        }
        double pinned = writers.stream().filter(w -> !w.rotate).mapToLong(w -> w.maxGapNanos).max().orElse(0) / 1e9;
        double rotating = writers.stream().filter(w -> w.rotate).mapToLong(w -> w.maxGapNanos).max().orElse(0) / 1e9;
        List<String> errors = new ArrayList<>();
        writers.forEach(w -> errors.addAll(w.errors));
        return new Result(Math.max(pinned, rotating), pinned, rotating, writers.stream().mapToInt(w -> w.ok).sum(),
                writers.stream().mapToInt(w -> w.failed).sum(), errors);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
