package io.etcdops.health.metrics;

import io.etcdops.core.etcd.Durations;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;

/** Turns one or two scrapes of a member into {@link MemberSignals}. */
public final class SignalExtractor {
    static final String WAL_FSYNC = "etcd_disk_wal_fsync_duration_seconds";
    static final String BACKEND_COMMIT = "etcd_disk_backend_commit_duration_seconds";
    static final String PEER_RTT = "etcd_network_peer_round_trip_time_seconds";
    static final String LEADER_CHANGES = "etcd_server_leader_changes_seen_total";
    static final String QUOTA = "etcd_server_quota_backend_bytes";
    static final String START_TIME = "process_start_time_seconds";

    /**
     * Metric families etcd 3.6 removed with the v2 API and the v2 proxy: no signal here reads them, so a 3.6 member
     * lacking them is not "missing" anything; a dashboard or alert built on them reads zero/absent from 3.6 on.
     */
    public static final java.util.List<String> REMOVED_IN_3_6 = java.util.List.of("etcd_http_", "etcd_proxy_");

    /** True when {@code family} is one of those etcd 3.6 removed. */
    public static boolean removedIn36(String family) {
        return REMOVED_IN_3_6.stream().anyMatch(family::startsWith);
    }

    private SignalExtractor() {
    }

    /**
     * @param first  the earlier scrape, or null for a single scrape (then everything is "since start")
     * @param second the later (or only) scrape
     */
    public static MemberSignals extract(String url, MetricsScrape first, MetricsScrape second) {
        boolean windowed = first != null;
        String windowText = windowed ? Durations.format(Duration.between(first.at(), second.at())) : "since-start";
        Double wal = p99(first, second, WAL_FSYNC);
        Double commit = p99(first, second, BACKEND_COMMIT);
        // with no observation in the window (an idle cluster), fall back to the counts since start
        boolean fellBack = false;
        if (windowed && wal == null && commit == null) {
            wal = p99(null, second, WAL_FSYNC);
            commit = p99(null, second, BACKEND_COMMIT);
            fellBack = wal != null || commit != null;
        }
        Map<String, Histogram> rtt = second.byLabel(PEER_RTT, "To");
        Double worstRtt = null;
        String worstPeer = null;
        for (Map.Entry<String, Histogram> e : rtt.entrySet()) {
            Histogram h = e.getValue();
            if (windowed && !fellBack) {
                h = h.minus(first.byLabel(PEER_RTT, "To").getOrDefault(e.getKey(), new Histogram(java.util.List.of())));
            }
            double q = h.quantile(0.99);
            if (!Double.isNaN(q) && (worstRtt == null || q > worstRtt)) {
                worstRtt = q;
                worstPeer = e.getKey();
            }
        }
        OptionalDouble changesNow = second.value(LEADER_CHANGES);
        Long changesInWindow = null;
        if (windowed && changesNow.isPresent() && first.value(LEADER_CHANGES).isPresent()) {
            changesInWindow = Math.max(0, Math.round(changesNow.getAsDouble() - first.value(LEADER_CHANGES).getAsDouble()));
        }
        OptionalDouble start = second.value(START_TIME);
        Long uptime = start.isPresent() ? Math.max(0, second.at().getEpochSecond() - Math.round(start.getAsDouble())) : null;
        OptionalDouble quota = second.value(QUOTA);
        return new MemberSignals(url, null, fellBack ? "since-start" : windowText, wal, commit, worstRtt, worstPeer,
                changesInWindow, changesNow.isPresent() ? Math.round(changesNow.getAsDouble()) : null, uptime,
                quota.isPresent() ? (long) quota.getAsDouble() : null);
    }

    private static Double p99(MetricsScrape first, MetricsScrape second, String name) {
        Histogram h = second.histogram(name);
        if (first != null) {
            h = h.minus(first.histogram(name));
        }
        double q = h.quantile(0.99);
        return Double.isNaN(q) ? null : q;
    }
}
