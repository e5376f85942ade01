package io.etcdops.health;

import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStores;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.health.backup.BackupAge;
import io.etcdops.health.backup.BackupAgeCheck;
import io.etcdops.health.hashkv.HashKvCollector;
import io.etcdops.health.hashkv.HashKvComparison;
import io.etcdops.health.kube.StatefulSetState;
import io.etcdops.health.metrics.MemberSignals;
import io.etcdops.health.metrics.MetricsCollector;
import io.etcdops.health.metrics.MetricsScraper;
import io.etcdops.health.metrics.MetricsTargets;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Gathers one {@link Observation}: member list, statuses and alarms first (in parallel), then the metrics window and
 * HashKV side by side, with the store's backup listing and the look at the StatefulSet's pods running alongside
 * everything. Every part is bounded by the connection's timeouts (HashKV and /metrics scale theirs with the db size
 * and the window), so a cluster with most members down still yields a report.
 */
public final class HealthProbe {

    private final HealthSettings settings;
    private final Clock clock;
    private final Supplier<StatefulSetState> statefulSet;

    public HealthProbe(HealthSettings settings, Clock clock) {
        this(settings, clock, null);
    }

    /** @param statefulSet looks at the target StatefulSet and its pods; null without --statefulset */
    public HealthProbe(HealthSettings settings, Clock clock, Supplier<StatefulSetState> statefulSet) {
        this.settings = settings;
        this.clock = clock;
        this.statefulSet = statefulSet;
    }

    public Observation observe(EtcdSession session) {
        CompletableFuture<BackupAge> backup = backupAge();
        CompletableFuture<StatefulSetState> sts = statefulSet == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(statefulSet);
        ClusterReader.Read read = new ClusterReader(session).read();
        var view = read.view();
        Set<Long> reachable = view.statuses().stream().filter(MemberStatus::reachable).map(s -> s.member().id()).collect(Collectors.toSet());
        CompletableFuture<Map<Long, MemberSignals>> signals;
        if (settings.metrics()) {
            Map<Long, URI> targets = new LinkedHashMap<>();
            MetricsTargets.resolve(view.members(), settings.metricsUrls(), session::preferredEndpoint)
                    .forEach((id, url) -> {
                        if (reachable.contains(id)) {
                            targets.put(id, url);
                        }
                    });
            MetricsScraper scraper = new MetricsScraper(settings.connection());
            MetricsCollector collector = new MetricsCollector(scraper::fetch, settings.metricsWindow());
            signals = CompletableFuture.supplyAsync(() -> collector.collect(targets));
        } else {
            signals = CompletableFuture.completedFuture(Map.of());
        }
        CompletableFuture<HashKvComparison> hashKv = settings.hashKv()
                ? CompletableFuture.supplyAsync(() -> new HashKvCollector(session).collect(view.statuses()))
                : CompletableFuture.completedFuture(HashKvComparison.disabled());
        return new Observation(clock.instant(), view, view.alarms(), read.alarmsError(), settings.quotaBytes(), settings.metrics(),
                !settings.metricsUrls().isEmpty(), signals.join(), hashKv.join(), backup == null ? null : backup.join(), sts.join());
    }

    /** The StatefulSet and its pods alone (used when no etcd endpoint answers); null without --statefulset. */
    public StatefulSetState statefulSetOnly() {
        return statefulSet == null ? null : statefulSet.get();
    }

    /** The backup age alone (used when no etcd endpoint answers). */
    public BackupAge backupOnly() {
        CompletableFuture<BackupAge> f = backupAge();
        return f == null ? null : f.join();
    }

    private CompletableFuture<BackupAge> backupAge() {
        if (settings.store() == null) {
            return null;
        }
        // opened here, not in the future: a malformed --store is a usage error (exit 2), not a finding
        SnapshotStore store;
        try {
            store = SnapshotStores.open(settings.store(), StoreOptions.defaults());
        } catch (java.io.IOException e) {
            return CompletableFuture.completedFuture(failed(e));
        }
        return CompletableFuture.supplyAsync(() -> {
            try (store) {
                return new BackupAgeCheck(clock).check(store, settings.clusterName());
            } catch (Exception e) {
                return failed(e);
            }
        });
    }

    private BackupAge failed(Exception e) {
        return new BackupAge(settings.store().uri().toString(), settings.clusterName(), null, null, null, 0,
                e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
