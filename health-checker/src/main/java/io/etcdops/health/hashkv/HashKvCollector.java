package io.etcdops.health.hashkv;

import io.etcd.jetcd.Maintenance;
import io.etcdops.core.etcd.EtcdErrors;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks every reachable member for HashKV at one common revision: the lowest current revision among them, which
 * every member has applied. HashKV reads the member's whole key history, so its deadline grows with the db size.
 */
public final class HashKvCollector {
    private static final long GIB = 1024L * 1024 * 1024;

    private final EtcdSession session;

    public HashKvCollector(EtcdSession session) {
        this.session = session;
    }

    public HashKvComparison collect(List<MemberStatus> statuses) {
        List<MemberStatus> reachable = statuses.stream().filter(MemberStatus::reachable).toList();
        if (reachable.size() < 2) {
            return HashKvComparison.compare(0, List.of());
        }
        Maintenance m = session.client().getMaintenanceClient();
        Duration shortCall = session.config().commandTimeout();
        // current revision per member: Status's response header carries it
        List<CompletableFuture<Long>> revisions = new ArrayList<>();
        for (MemberStatus s : reachable) {
            revisions.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return m.statusMember(s.endpoint().toString()).get(shortCall.toMillis(), TimeUnit.MILLISECONDS)
                            .getHeader().getRevision();
                } catch (Exception e) {
                    return -1L;
                }
            }));
        }
        long common = revisions.stream().mapToLong(CompletableFuture::join).filter(r -> r > 0).min().orElse(0);
        if (common == 0) {
            return HashKvComparison.compare(0, List.of());
        }
        List<CompletableFuture<MemberHash>> answers = new ArrayList<>();
        for (MemberStatus s : reachable) {
            Duration deadline = shortCall.plusSeconds(10 * Math.max(1, (s.dbSize() + GIB - 1) / GIB));
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    var r = m.hashKV(s.endpoint().toString(), common).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
                    return MemberHash.of(s.member().label(), common, r.getCompacted(), r.getHash());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return MemberHash.failed(s.member().label(), common, "interrupted");
                } catch (Exception e) {
                    return MemberHash.failed(s.member().label(), common, EtcdErrors.describe(e));
                }
            }));
        }
        return HashKvComparison.compare(common, answers.stream().map(CompletableFuture::join).toList());
    }
}
