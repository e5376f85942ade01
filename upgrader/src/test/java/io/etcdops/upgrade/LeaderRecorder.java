package io.etcdops.upgrade;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdGrpcChannels;
import io.etcdops.core.etcd.EtcdGrpcChannels.MemberChannel;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples every member's status every 50 ms while an upgrade runs (one gRPC channel per member, reconnecting at once
 * after a failure): who leads, as the answering members say, and how many members answer. Leadership over time is
 * the list of {@link Change}s.
 */
final class LeaderRecorder implements AutoCloseable {

    record Change(Instant at, long leaderId) {
    }

    private final List<URI> urls;
    private final List<MemberChannel> channels = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile int fewestAnswering = Integer.MAX_VALUE;

    LeaderRecorder(SimulatedEtcd etcd) {
        this.urls = etcd.clientUrls();
        EtcdConnectionConfig config = new EtcdConnectionConfig(urls, null, null, null, null, null, Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        for (URI u : urls) {
            channels.add(EtcdGrpcChannels.open(config, u));
        }
        this.thread = new Thread(this::loop, "leader-recorder");
        thread.setDaemon(true);
        sample(-1);
        thread.start();
    }

    private void loop() {
        long last = changes().isEmpty() ? -1 : changes().get(changes().size() - 1).leaderId();
        while (!stop) {
            last = sample(last);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private long sample(long last) {
        List<com.google.common.util.concurrent.ListenableFuture<StatusResponse>> calls = new ArrayList<>();
        for (MemberChannel c : channels) {
            calls.add(MaintenanceGrpc.newFutureStub(c.channel()).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .status(StatusRequest.getDefaultInstance()));
        }
        int answering = 0;
        long leader = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                StatusResponse r = calls.get(i).get(2, TimeUnit.SECONDS);
                answering++;
                if (leader == 0) {
                    leader = r.getLeader();
                }
            } catch (Exception e) {
                channels.get(i).managed().resetConnectBackoff();
            }
        }
        fewestAnswering = Math.min(fewestAnswering, answering);
        if (leader != 0 && leader != last) {
            synchronized (changes) {
                changes.add(new Change(Instant.now(), leader));
            }
            return leader;
        }
        return last;
    }

    /** Distinct leaders in the order they led (the first entry is the leader when recording started). */
    List<Change> changes() {
        synchronized (changes) {
            return List.copyOf(changes);
        }
    }

    int fewestAnswering() {
        return fewestAnswering;
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channels.forEach(MemberChannel::close);
    }
}
