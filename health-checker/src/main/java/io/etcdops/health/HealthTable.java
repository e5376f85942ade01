package io.etcdops.health;

import io.etcdops.health.action.ActionResult;
import io.etcdops.health.action.DefragStep;

import java.io.PrintStream;
import java.util.List;

/** The human view: a member table, one cluster line, the findings that are not ok with their advice, the actions. */
final class HealthTable {

    private final PrintStream out;

    HealthTable(PrintStream out) {
        this.out = out;
    }

    void print(HealthEvaluator.Evaluation ev, List<ActionResult> actions) {
        ClusterHealth c = ev.cluster();
        out.printf("etcd cluster %s: %s (%d critical, %d warning)%n", c.clusterId() == null ? "?" : c.clusterId(),
                HealthOutput.statusWord(ev.status()).toUpperCase(java.util.Locale.ROOT), ev.count(Severity.CRITICAL), ev.count(Severity.WARNING));
        if (!ev.members().isEmpty()) {
            out.println();
            String fmt = "%-12s %-26s %-8s %-9s %10s %10s %6s %6s %9s %9s %6s %s%n";
            out.printf(fmt, "MEMBER", "ENDPOINT", "VERSION", "ROLE", "DB", "IN USE", "USE%", "TERM", "INDEX", "APPLIED", "LAG", "ALARMS");
            for (MemberHealth m : ev.members()) {
                if (!m.reachable()) {
                    out.printf("%-12s %-26s %-8s %-9s %s%n", m.name(), m.endpoint() == null ? "-" : m.endpoint(), "-",
                            m.learner() ? "learner" : "DOWN", m.error());
                    continue;
                }
                out.printf(fmt, m.name(), m.endpoint(), m.version(), m.leader() ? "leader" : m.learner() ? "learner" : "follower",
                        HealthEvaluator.mib(m.dbSize()), HealthEvaluator.mib(m.dbSizeInUse()),
                        m.inUseRatio() == null ? "-" : Math.round(m.inUseRatio() * 100) + "%", m.raftTerm(), m.raftIndex(),
                        m.raftAppliedIndex(), m.raftLag() == null ? "-" : m.raftLag(), m.alarms().isEmpty() ? "-" : String.join(",", m.alarms()));
            }
            out.println();
            out.printf("leader %s, %d/%d voters healthy (quorum %d, margin %d), versions %s, quota use %s of %s (%s), hashkv %s%s%n",
                    c.leader() == null ? "NONE" : c.leader(), c.healthyVoters(), c.voters(), c.quorumSize(), c.quorumMargin(),
                    c.versions(), c.quotaUseRatio() == null ? "?" : Math.round(c.quotaUseRatio() * 100) + "%",
                    HealthEvaluator.mib(c.quotaBytes()), c.quotaSource(), c.hashKv().outcome().label(),
                    c.backup() == null ? "" : ", newest backup " + (c.backup().ageSeconds() == null ? "none" : c.backup().ageSeconds() / 60 + " min old"));
        }
        long ok = ev.count(Severity.OK);
        List<Finding> problems = ev.findings().stream().filter(f -> f.severity() != Severity.OK).toList();
        out.println();
        for (Finding f : problems) {
            out.printf("%-8s %-12s %-15s %s%n", f.severity().label().toUpperCase(java.util.Locale.ROOT), f.subject(), f.check(), f.message());
            if (f.advice() != null) {
                out.printf("%-8s %-12s %-15s -> %s%n", "", "", "", f.advice());
            }
        }
        out.printf("%d check(s) ok%s%n", ok, problems.isEmpty() ? ", nothing to do" : "");
        for (ActionResult a : actions) {
            out.println();
            out.printf("%s: %s - %s%n", a.action(), a.outcome(), a.reason());
            for (DefragStep s : a.steps()) {
                out.printf("  %d. %-12s %-8s %-8s before %s (in use %s)%s%n", s.order(), s.member(), s.leader() ? "leader" : "follower",
                        s.outcome(), HealthEvaluator.mib(s.dbSizeBefore()), HealthEvaluator.mib(s.dbSizeInUseBefore()),
                        s.dbSizeAfter() == null ? ", deadline " + s.deadlineSeconds() + "s" + (s.error() == null ? "" : ": " + s.error())
                                : ", after " + HealthEvaluator.mib(s.dbSizeAfter()) + ", reclaimed " + HealthEvaluator.mib(s.reclaimedBytes()));
            }
            if (a.reclaimedBytes() > 0) {
                out.printf("  reclaimed %s in total%n", HealthEvaluator.mib(a.reclaimedBytes()));
            }
        }
        out.println();
        out.flush();
    }
}
