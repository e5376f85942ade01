package io.etcdops.health;

import io.etcdops.core.runtime.Pushgateway;
import io.etcdops.health.action.ActionResult;
import io.etcdops.health.hashkv.HashKvComparison;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The etcd_ops_health_* gauges pushed to a Pushgateway (job "etcd-ops-health", grouping label cluster=NAME). Worst
 * values across members are pushed (a Pushgateway group carries no per-member series); per-member detail is in the
 * report. A push failure is logged, never fatal.
 */
final class HealthMetrics {

    private HealthMetrics() {
    }

    static Map<String, Number> gauges(HealthEvaluator.Evaluation ev, List<ActionResult> actions, Clock clock) {
        ClusterHealth c = ev.cluster();
        Map<String, Number> g = new LinkedHashMap<>();
        g.put("etcd_ops_health_status", ev.status().ordinal());
        g.put("etcd_ops_health_findings_critical", ev.count(Severity.CRITICAL));
        g.put("etcd_ops_health_findings_warning", ev.count(Severity.WARNING));
        g.put("etcd_ops_health_members", c.members());
        g.put("etcd_ops_health_members_reachable", c.reachable());
        g.put("etcd_ops_health_has_leader", c.hasLeader() ? 1 : 0);
        g.put("etcd_ops_health_quorum_margin", c.quorumMargin());
        g.put("etcd_ops_health_versions", c.versions().size());
        g.put("etcd_ops_health_quota_use_ratio", c.quotaUseRatio());
        g.put("etcd_ops_health_db_size_bytes_max", ev.members().stream().map(MemberHealth::dbSize).filter(Objects::nonNull).max(Long::compare).orElse(null));
        g.put("etcd_ops_health_db_in_use_ratio_min", ev.members().stream().map(MemberHealth::inUseRatio).filter(Objects::nonNull).min(Double::compare).orElse(null));
        g.put("etcd_ops_health_raft_lag_max", ev.members().stream().map(MemberHealth::raftLag).filter(Objects::nonNull).max(Long::compare).orElse(null));
        g.put("etcd_ops_health_alarms", c.alarms().size());
        HashKvComparison.Outcome h = c.hashKv().outcome();
        g.put("etcd_ops_health_hashkv_consistent", h == HashKvComparison.Outcome.CONSISTENT ? 1 : h == HashKvComparison.Outcome.MISMATCH ? 0 : -1);
        if (c.backup() != null) {
            g.put("etcd_ops_health_backup_age_seconds", c.backup().ageSeconds());
        }
        g.put("etcd_ops_health_wal_fsync_p99_seconds_max", max(ev, "wal"));
        g.put("etcd_ops_health_backend_commit_p99_seconds_max", max(ev, "commit"));
        g.put("etcd_ops_health_peer_rtt_p99_seconds_max", max(ev, "rtt"));
        if (!actions.isEmpty()) {
            g.put("etcd_ops_health_defrag_reclaimed_bytes", actions.stream().mapToLong(ActionResult::reclaimedBytes).sum());
            g.put("etcd_ops_health_action_failed", actions.stream().anyMatch(a -> a.outcome().equals(ActionResult.FAILED)
                    || a.outcome().equals(ActionResult.REFUSED)) ? 1 : 0);
        }
        g.put("etcd_ops_health_last_run_timestamp_seconds", clock.instant().getEpochSecond());
        return g;
    }

    static void push(String url, String cluster, HealthEvaluator.Evaluation ev, List<ActionResult> actions, Clock clock) {
        Pushgateway.push(url, "etcd-ops-health", Map.of("cluster", cluster), gauges(ev, actions, clock), true);
    }

    private static Double max(HealthEvaluator.Evaluation ev, String which) {
        return ev.members().stream().map(MemberHealth::metrics).filter(m -> m != null && m.available())
                .map(m -> switch (which) {
                    case "wal" -> m.walFsyncP99();
                    case "commit" -> m.backendCommitP99();
                    default -> m.peerRttP99();
                }).filter(Objects::nonNull).max(Double::compare).orElse(null);
    }
}
