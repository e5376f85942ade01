package io.etcdops.health;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.Quorum;
import io.etcdops.health.kube.StatefulSetComparison;
import io.etcdops.health.kube.StatefulSetState;
import io.etcdops.health.metrics.MemberSignals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Judges an {@link Observation}: member rows, the cluster summary and a finding per check, each with advice. */
public final class HealthEvaluator {
    /** etcd's default --quota-backend-bytes (2 GiB); etcd before 3.6 does not expose the quota over its API. */
    public static final long DEFAULT_QUOTA = 2L * 1024 * 1024 * 1024;

    private final Thresholds t;

    public HealthEvaluator(Thresholds thresholds) {
        this.t = thresholds;
    }

    /**
     * The evaluated report: rows, summary, findings (cluster findings first, then the StatefulSet comparison's, then
     * per member in member order).
     */
    public record Evaluation(ClusterHealth cluster, List<MemberHealth> members, List<Finding> findings) {
        public Severity status() {
            return findings.stream().map(Finding::severity).reduce(Severity.OK, Severity::worst);
        }

        public long count(Severity s) {
            return findings.stream().filter(f -> f.severity() == s).count();
        }
    }

    public Evaluation evaluate(Observation o) {
        ClusterView view = o.view();
        long leaderId = view.leaderId();
        Optional<MemberStatus> leader = view.leader();
        List<Finding> clusterFindings = new ArrayList<>();
        List<Finding> memberFindings = new ArrayList<>();
        List<MemberHealth> rows = new ArrayList<>();
        StatefulSetState sts = o.statefulSet();
        StatefulSetComparison.Result compared = sts == null ? null : StatefulSetComparison.compare(sts, view, t.maxRaftLag());
        List<MemberInfo> byName = view.members().stream().sorted(java.util.Comparator.comparing(MemberInfo::label)).toList();
        for (MemberInfo m : byName) {
            MemberStatus s = view.status(m.id()).orElse(MemberStatus.unreachable(m, null, "no status"));
            MemberSignals signals = o.signals().get(m.id());
            String pod = compared == null ? null : compared.podOfMember().get(m.id());
            rows.add(row(m, s, leader, o.alarms(), signals, pod, pod == null ? null : compared.podStatus().get(pod)));
            List<Finding> checks = MemberChecks.check(t, m, s, leader, signals, o.metricsWanted(), o.explicitMetricsUrls());
            if (compared != null && compared.judgedLearners().contains(m.id())) {
                // the StatefulSet comparison already judged this learner's progress, naming its pod: say it once
                checks = checks.stream().filter(f -> !f.check().equals("reachable") && !f.check().equals("raft-lag")).toList();
            }
            memberFindings.addAll(checks);
        }

        Quorum quorum = MemberCondition.quorum(view);
        String leaderName = leader.map(l -> l.member().label()).orElse(null);
        clusterFindings.add(leaderFinding(leaderId, leaderName));
        clusterFindings.add(quorumFinding(quorum));
        List<String> versions = view.versions();
        clusterFindings.add(versions.size() > 1
                ? Finding.warning("versions", Finding.CLUSTER, "members run different etcd versions " + versions,
                "Finish the upgrade or downgrade (upgrader); the cluster version follows the lowest member.")
                : Finding.ok("versions", Finding.CLUSTER, versions.isEmpty() ? "no member answered" : "all members run " + versions.get(0)));

        // the member's own answer (etcd 3.6+ status) wins over the metric, which wins over etcd's default
        Optional<Long> fromMembers = StorageFindings.quotaFromMembers(view);
        long quota = o.quotaOption() != null ? o.quotaOption() : fromMembers.or(() -> quotaFromMetrics(o)).orElse(DEFAULT_QUOTA);
        String quotaSource = o.quotaOption() != null ? "option" : fromMembers.isPresent() ? "member"
                : quotaFromMetrics(o).isPresent() ? "metrics" : "default";
        long maxDb = view.statuses().stream().filter(MemberStatus::reachable).mapToLong(MemberStatus::dbSize).max().orElse(0);
        Double quotaUse = maxDb == 0 ? null : (double) maxDb / quota;
        clusterFindings.add(quotaFinding(quotaUse, maxDb, quota, quotaSource));
        clusterFindings.addAll(StorageFindings.findings(view));
        clusterFindings.addAll(alarmFindings(o, view));
        clusterFindings.add(HashKvFindings.finding(o.hashKv()));
        if (o.backup() != null) {
            clusterFindings.add(BackupFindings.finding(o.backup(), t.backupMaxAge()));
        }

        ClusterHealth cluster = new ClusterHealth(view.clusterIdHex(), view.members().size(), view.voters().size(),
                view.learners().size(), (int) view.statuses().stream().filter(MemberStatus::reachable).count(), leaderName,
                leaderId != 0, quorum.size(), quorum.healthyVoters(), quorum.failureTolerance(), versions, versions.size() <= 1,
                quota, quotaSource, quotaUse == null ? null : round(quotaUse),
                o.alarms().stream().map(a -> a.type() + "@" + memberLabel(view, a.memberId())).toList(), o.hashKv(), o.backup(),
                sts == null ? null : sts.describe(), sts == null ? null : sts.target().replicas());
        List<Finding> all = new ArrayList<>(clusterFindings);
        if (compared != null) {
            all.addAll(compared.findings());
        }
        all.addAll(memberFindings);
        return new Evaluation(cluster, rows, all);
    }

    private MemberHealth row(MemberInfo m, MemberStatus s, Optional<MemberStatus> leader, List<Alarm> alarms, MemberSignals signals,
                             String pod, String podStatus) {
        List<String> memberAlarms = alarms.stream().filter(a -> a.memberId() == m.id()).map(Alarm::type).toList();
        if (!s.reachable()) {
            return new MemberHealth(m.label(), m.idHex(), s.endpoint() == null ? null : s.endpoint().toString(), false, s.error(),
                    null, null, null, null, false, m.learner(), null, null, null, null, null, memberAlarms, List.of(), signals, pod, podStatus);
        }
        Long lag = leader.filter(MemberStatus::reachable).map(l -> Math.max(0, l.raftIndex() - s.raftIndex())).orElse(null);
        Double ratio = s.dbSize() == 0 ? null : round((double) s.dbSizeInUse() / s.dbSize());
        return new MemberHealth(m.label(), m.idHex(), s.endpoint().toString(), true, null, s.version(), s.dbSize(), s.dbSizeInUse(),
                ratio, s.isLeader(), m.learner(), s.raftTerm(), s.raftIndex(), s.raftAppliedIndex(), lag,
                Math.max(0, s.raftIndex() - s.raftAppliedIndex()), memberAlarms, MemberCondition.otherErrors(s), signals, pod, podStatus);
    }

    private static Finding leaderFinding(long leaderId, String leaderName) {
        if (leaderId == 0) {
            return Finding.critical("leader", Finding.CLUSTER, "no member reports a leader: the cluster accepts no writes",
                    "Bring the stopped members back; if a majority is lost for good, restore from a backup (docs/runbooks).");
        }
        return Finding.ok("leader", Finding.CLUSTER, "leader is " + leaderName);
    }

    static Finding quorumFinding(Quorum q) {
        String numbers = q.healthyVoters() + " of " + q.voters() + " voting members healthy, quorum " + q.size()
                + ", margin " + q.failureTolerance();
        if (!q.present()) {
            return Finding.critical("quorum", Finding.CLUSTER, "quorum lost: " + numbers,
                    "Restart the failed members (their data dirs are intact?); if a majority is gone for good, restore from a backup.");
        }
        if (q.failureTolerance() == 0 && q.healthyVoters() < q.voters()) {
            return Finding.critical("quorum", Finding.CLUSTER, "one more failure loses quorum: " + numbers,
                    "Restore the unhealthy member now (restart it, or replace it with member-replacer); avoid maintenance until then.");
        }
        if (q.failureTolerance() == 0) {
            return Finding.warning("quorum", Finding.CLUSTER, "this cluster size tolerates no failure: " + numbers,
                    "Run 3 or 5 voting members for fault tolerance.");
        }
        return Finding.ok("quorum", Finding.CLUSTER, numbers);
    }

    private Finding quotaFinding(Double use, long maxDb, long quota, String source) {
        if (use == null) {
            return Finding.ok("quota", Finding.CLUSTER, "db size unknown (no member answered)");
        }
        String msg = String.format("largest db %s is %.0f%% of the %s quota (%s)", mib(maxDb), use * 100, mib(quota),
                switch (source) {
                    case "option" -> "from --quota-backend-bytes";
                    case "member" -> "as the members report it";
                    case "metrics" -> "from etcd_server_quota_backend_bytes";
                    default -> "etcd's default; etcd before 3.6 does not report the quota: pass --quota-backend-bytes or let /metrics be read";
                });
        String advice = "Compact and defragment (health-checker --defrag), find what writes so much, or raise --quota-backend-bytes (max 8 GiB recommended).";
        if (use >= t.quotaCriticalRatio()) {
            return Finding.critical("quota", Finding.CLUSTER, msg, advice);
        }
        if (use >= t.quotaWarnRatio()) {
            return Finding.warning("quota", Finding.CLUSTER, msg, advice);
        }
        return Finding.ok("quota", Finding.CLUSTER, msg);
    }

    private static List<Finding> alarmFindings(Observation o, ClusterView view) {
        List<Finding> out = new ArrayList<>();
        if (o.alarmsError() != null) {
            out.add(Finding.warning("alarms", Finding.CLUSTER, "alarm list failed (" + o.alarmsError()
                    + "); alarms shown are those the members' status reports",
                    "The alarm list goes through raft: restore quorum, then check again."));
        }
        List<Alarm> nospace = o.alarms().stream().filter(a -> a.type().equals("NOSPACE")).toList();
        List<Alarm> corrupt = o.alarms().stream().filter(a -> a.type().equals("CORRUPT")).toList();
        if (!corrupt.isEmpty()) {
            out.add(Finding.critical("alarms", Finding.CLUSTER, "CORRUPT alarm raised by " + labels(view, corrupt)
                    + ": a member's data differs from the others; etcd rejects requests",
                    "Do not disarm it: find the divergent member (HashKV below), replace it (member-replacer) or restore from a verified backup."));
        }
        if (!nospace.isEmpty()) {
            out.add(Finding.critical("alarms", Finding.CLUSTER, "NOSPACE alarm raised by " + labels(view, nospace)
                    + ": the db reached its quota; etcd accepts only reads and deletes",
                    "Run health-checker --recover-nospace (compact, defragment every member, disarm NOSPACE), then find what filled etcd."));
        }
        List<Alarm> other = o.alarms().stream().filter(a -> !a.type().equals("NOSPACE") && !a.type().equals("CORRUPT")).toList();
        if (!other.isEmpty()) {
            out.add(Finding.warning("alarms", Finding.CLUSTER, "alarm(s) " + other.stream().map(Alarm::type).distinct().toList()
                    + " raised by " + labels(view, other), "Read the etcd logs of the members named."));
        }
        if (out.isEmpty()) {
            out.add(Finding.ok("alarms", Finding.CLUSTER, "no alarms"));
        }
        return out;
    }

    private static Optional<Long> quotaFromMetrics(Observation o) {
        return o.signals().values().stream().map(MemberSignals::quotaBackendBytes).filter(q -> q != null && q > 0)
                .max(Long::compare);
    }

    private static String labels(ClusterView view, List<Alarm> alarms) {
        return String.join(", ", alarms.stream().map(a -> memberLabel(view, a.memberId())).distinct().toList());
    }

    static String memberLabel(ClusterView view, long id) {
        return view.members().stream().filter(m -> m.id() == id).map(MemberInfo::label).findFirst().orElse(Long.toHexString(id));
    }

    static String mib(long bytes) {
        if (bytes >= 10L * 1024 * 1024 * 1024) {
            return String.format("%.1f GiB", bytes / 1073741824.0);
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.0f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }
}
