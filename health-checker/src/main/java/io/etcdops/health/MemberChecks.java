package io.etcdops.health;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.health.metrics.MemberSignals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The per-member checks: reachability, leader, errors, raft progress, fragmentation and the etcd-mixin signals. */
final class MemberChecks {

    private MemberChecks() {
    }

    static List<Finding> check(Thresholds t, MemberInfo m, MemberStatus s, Optional<MemberStatus> leader, MemberSignals signals,
                               boolean metricsWanted, boolean explicitMetricsUrls) {
        List<Finding> out = new ArrayList<>();
        String who = m.label();
        String role = m.learner() ? "learner " : "";
        if (!m.started() || m.clientUrls().isEmpty()) {
            out.add(m.learner()
                    ? Finding.warning("reachable", who, "learner " + who + " was added but never started",
                    "Start the new member's etcd with --initial-cluster-state existing, or remove it (etcdctl member remove " + m.idHex() + ").")
                    : Finding.critical("reachable", who, "voting member " + who + " was added but never started; it counts against quorum",
                    "Start the new member's etcd with --initial-cluster-state existing, or remove it (etcdctl member remove " + m.idHex() + ")."));
            return out;
        }
        if (!s.reachable()) {
            String msg = role + who + " unreachable" + (s.endpoint() == null ? "" : " at " + s.endpoint()) + ": " + s.error();
            String advice = "Check the member's process or pod and its logs; if it stays down, replace it (member-replacer).";
            out.add(m.learner() ? Finding.warning("reachable", who, msg, advice) : Finding.critical("reachable", who, msg, advice));
            return out;
        }
        out.add(Finding.ok("reachable", who, role + who + " answers, etcd " + s.version() + (s.isLeader() ? ", leader" : "")));
        if (s.leaderId() == 0) {
            out.add(Finding.critical("member-leader", who, who + " sees no leader",
                    "The member lost contact with a majority: check peer connectivity (port 2380) and the other members."));
        }
        List<String> errors = MemberCondition.otherErrors(s);
        if (!errors.isEmpty() && s.leaderId() != 0) {
            out.add(Finding.warning("member-errors", who, who + " reports: " + String.join("; ", errors), "Read the member's etcd log."));
        }
        leader.filter(MemberStatus::reachable).ifPresent(l -> {
            long lag = l.raftIndex() - s.raftIndex();
            if (lag > t.maxRaftLag()) {
                out.add(m.learner()
                        ? Finding.warning("raft-lag", who, "learner " + who + " has not caught up: " + lag + " raft entries behind the leader",
                        "Do not promote it yet; if it never catches up, check its network and disk, or remove and re-add it.")
                        : Finding.warning("raft-lag", who, who + " is " + lag + " raft entries behind the leader",
                        "Check the member's disk latency and network; it cannot serve linearizable reads quickly while behind."));
            }
        });
        long applyLag = s.raftIndex() - s.raftAppliedIndex();
        if (applyLag > t.maxRaftLag()) {
            out.add(Finding.warning("apply-lag", who, who + " has " + applyLag + " committed entries not yet applied",
                    "The member applies slowly (disk or CPU bound): check its backend commit latency and load."));
        }
        if (t.fragmented(s.dbSize(), s.dbSizeInUse())) {
            out.add(Finding.warning("fragmentation", who, String.format("%s db is %s with %s in use (%.0f%%)", who,
                    HealthEvaluator.mib(s.dbSize()), HealthEvaluator.mib(s.dbSizeInUse()), 100.0 * s.dbSizeInUse() / s.dbSize()),
                    defragAdvice(s.version())));
        }
        if (metricsWanted) {
            out.addAll(signalFindings(t, who, signals, explicitMetricsUrls));
        }
        return out;
    }

    /**
     * etcd 3.6+ can stop serving gRPC while it defragments (feature gate StopGRPCServiceOnDefrag, alpha, off by
     * default): clients then fail over to another member instead of waiting on the blocked one.
     */
    static String defragAdvice(String version) {
        String base = "Run health-checker --defrag (one member at a time, leader last) to return the free pages to the disk.";
        return atLeast36(version) ? base + " Before that, consider --feature-gates=StopGRPCServiceOnDefrag=true on the members, "
                + "so that clients move to another member while one is defragmented instead of waiting on it." : base;
    }

    static boolean atLeast36(String version) {
        if (version == null) {
            return false;
        }
        String[] p = version.split("\\.");
        try {
            int major = Integer.parseInt(p[0]);
            int minor = p.length > 1 ? Integer.parseInt(p[1].replaceAll("\\D.*", "")) : 0;
            return major > 3 || (major == 3 && minor >= 6);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static List<Finding> signalFindings(Thresholds t, String who, MemberSignals sig, boolean explicit) {
        List<Finding> out = new ArrayList<>();
        if (sig == null) {
            return out;
        }
        if (!sig.available()) {
            out.add(Finding.warning("metrics", who, "metrics of " + who + " unavailable at " + sig.url() + ": " + sig.error(),
                    explicit ? "Check --metrics-urls." : "Point --metrics-urls at the members' metrics ports, or pass --metrics off."));
            return out;
        }
        String window = " (" + sig.window() + ")";
        if (sig.walFsyncP99() != null) {
            double v = sig.walFsyncP99();
            String msg = String.format("%s WAL fsync p99 %.3fs%s", who, v, window);
            String advice = "The disk is too slow for etcd: use dedicated SSD/NVMe storage and check for noisy neighbours.";
            out.add(v > t.walFsyncCriticalSeconds() ? Finding.critical("wal-fsync", who, msg, advice)
                    : v > t.walFsyncWarnSeconds() ? Finding.warning("wal-fsync", who, msg, advice) : Finding.ok("wal-fsync", who, msg));
        }
        if (sig.backendCommitP99() != null) {
            double v = sig.backendCommitP99();
            String msg = String.format("%s backend commit p99 %.3fs%s", who, v, window);
            out.add(v > t.backendCommitWarnSeconds()
                    ? Finding.warning("backend-commit", who, msg, "The disk is slow or the db very large: check disk latency; defragment if fragmented.")
                    : Finding.ok("backend-commit", who, msg));
        }
        if (sig.peerRttP99() != null) {
            double v = sig.peerRttP99();
            String msg = String.format("%s peer round-trip p99 %.3fs to %s%s", who, v, sig.peerRttWorstPeer(), window);
            out.add(v > t.peerRttWarnSeconds()
                    ? Finding.warning("peer-rtt", who, msg, "Check the network between members (latency, packet loss, bandwidth for snapshots).")
                    : Finding.ok("peer-rtt", who, msg));
        }
        out.add(leaderChanges(t, who, sig));
        return out;
    }

    private static Finding leaderChanges(Thresholds t, String who, MemberSignals sig) {
        String advice = "Frequent elections: check CPU and disk starvation, network latency, and --heartbeat-interval/--election-timeout.";
        if (sig.leaderChangesInWindow() != null && sig.leaderChangesInWindow() >= t.leaderChangesWarn()) {
            return Finding.warning("leader-changes", who, who + " saw " + sig.leaderChangesInWindow() + " leader changes within " + sig.window(), advice);
        }
        Long total = sig.leaderChangesSinceStart();
        Long uptime = sig.uptimeSeconds();
        if (total == null) {
            return Finding.ok("leader-changes", who, who + " exposes no leader-change counter");
        }
        // the mixin alerts on >= 4 changes within 15 minutes; one run can only judge that when the member is younger
        if (uptime != null && uptime <= 900 && total >= t.leaderChangesWarn()) {
            return Finding.warning("leader-changes", who, who + " saw " + total + " leader changes since it started "
                    + uptime + "s ago", advice);
        }
        return Finding.ok("leader-changes", who, who + " saw " + total + " leader changes since it started"
                + (uptime == null ? "" : " " + uptime + "s ago"));
    }
}
