package io.etcdops.upgrade;

import io.etcd.jetcd.Client;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples every member's status every 100 ms while an upgrade runs: who leads (as the answering members say), and how
 * many members answer. Leadership over time is the list of {@link Change}s.
 */
final class LeaderRecorder implements AutoCloseable {

    record Change(Instant at, long leaderId) {
    }

    private final SimulatedEtcd etcd;
    private final Client client;
    private final List<Change> changes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile int fewestAnswering = Integer.MAX_VALUE;
    private volatile int samples;

    LeaderRecorder(SimulatedEtcd etcd) {
        this.etcd = etcd;
        this.client = etcd.client();
        this.thread = new Thread(this::loop, "leader-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long last = -1;
        while (!stop) {
            List<CompletableFuture<Long>> answers = new ArrayList<>();
            for (URI u : etcd.clientUrls()) {
                answers.add(client.getMaintenanceClient().statusMember(u.toString()).thenApply(s -> s.getLeader())
                        .completeOnTimeout(-1L, 1, TimeUnit.SECONDS).exceptionally(t -> -1L));
            }
            List<Long> leaders = answers.stream().map(CompletableFuture::join).toList();
            int answering = (int) leaders.stream().filter(l -> l >= 0).count();
            fewestAnswering = Math.min(fewestAnswering, answering);
            long leader = leaders.stream().filter(l -> l > 0).findFirst().orElse(0L);
            if (leader != 0 && leader != last) {
                synchronized (changes) {
                    changes.add(new Change(Instant.now(), leader));
                }
                last = leader;
            }
            samples++;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Distinct leaders in the order they led (the first entry is the leader when recording started). */
    List<Change> changes() {
        synchronized (changes) {
            return List.copyOf(changes);
        }
    }

    /** Who led at {@code t}, as last sampled before it. */
    long leaderAt(Instant t) {
        long l = 0;
        for (Change c : changes()) {
            if (!c.at().isAfter(t)) {
                l = c.leaderId();
            }
        }
        return l;
    }

    int fewestAnswering() {
        return fewestAnswering;
    }

    int samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(5000);
        client.close();
    }
}
