package io.etcdops.health;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.Quorum;
import io.etcdops.health.backup.BackupAge;
import io.etcdops.health.hashkv.HashKvComparison;
import io.etcdops.health.hashkv.MemberHash;
import io.etcdops.health.metrics.MemberSignals;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each check's severity and advice on scripted cluster states (the same checks against real etcd: HealthCheckIT). */
class HealthEvaluatorTest {
    private static final long MIB = 1 << 20;
    private final HealthEvaluator evaluator = new HealthEvaluator(Thresholds.defaults());

    private static Observation observe(FakeCluster c) {
        return observe(c, Map.of(), null, null);
    }

    private static Observation observe(FakeCluster c, Map<Long, MemberSignals> signals, Long quota, BackupAge backup) {
        ClusterView v = c.view();
        return new Observation(Instant.now(), v, v.alarms(), null, quota, !signals.isEmpty(), false, signals,
                HashKvComparison.compare(0, List.of()), backup, null);
    }

    private static List<Finding> problems(HealthEvaluator.Evaluation ev) {
        return ev.findings().stream().filter(f -> f.severity() != Severity.OK).toList();
    }

    @Test
    void healthyClusterHasOnlyOkFindingsAndEveryFieldFilled() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2");
        c.members.keySet().forEach(n -> c.sizes(n, 10 * MIB, 8 * MIB));
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(c));
        assertThat(ev.status()).isEqualTo(Severity.OK);
        assertThat(problems(ev)).isEmpty();
        assertThat(ev.cluster().quorumMargin()).isEqualTo(1);
        assertThat(ev.cluster().leader()).isEqualTo("m0");
        assertThat(ev.cluster().quotaSource()).isEqualTo("default");
        assertThat(ev.members()).allSatisfy(m -> {
            assertThat(m.reachable()).isTrue();
            assertThat(m.version()).isEqualTo("3.5.30");
            assertThat(m.inUseRatio()).isEqualTo(0.8);
            assertThat(m.raftLag()).isZero();
        });
        assertThat(ev.findings()).allSatisfy(f -> assertThat(f.advice()).isNull());
    }

    @Test
    void oneVoterDownIsCriticalWithQuorumMarginZero() {
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(FakeCluster.of("m0", "m1", "m2").down("m2")));
        assertThat(ev.status()).isEqualTo(Severity.CRITICAL);
        assertThat(ev.cluster().quorumMargin()).isZero();
        assertThat(problems(ev)).extracting(Finding::check).containsExactly("quorum", "reachable");
        assertThat(problems(ev)).allSatisfy(f -> assertThat(f.advice()).isNotBlank());
    }

    @Test
    void quorumArithmetic() {
        assertThat(HealthEvaluator.quorumFinding(new Quorum(3, 1)).message()).startsWith("quorum lost");
        assertThat(HealthEvaluator.quorumFinding(new Quorum(1, 1)).severity()).isEqualTo(Severity.WARNING);
        assertThat(HealthEvaluator.quorumFinding(new Quorum(5, 4)).severity()).isEqualTo(Severity.OK);
    }

    @Test
    void nospaceAlarmIsCriticalButTheMembersStillCountAsServing() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").alarm("m0", "NOSPACE");
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(c));
        assertThat(problems(ev)).extracting(Finding::check).containsExactly("alarms");
        assertThat(problems(ev).get(0).advice()).contains("--recover-nospace");
        assertThat(ev.cluster().quorumMargin()).isEqualTo(1);
        assertThat(ev.members().get(0).alarms()).containsExactly("NOSPACE");
        assertThat(ev.members().get(0).errors()).isEmpty();
    }

    @Test
    void fragmentationQuotaAndMetricsThresholds() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").sizes("m1", 1800 * MIB, 300 * MIB);
        long m1 = c.id("m1");
        MemberSignals slow = new MemberSignals("u", null, "10.0s", 0.7, 0.3, 0.2, "peer", 5L, 9L, 100000L, 2048 * MIB);
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(c, Map.of(m1, slow), null, null));
        assertThat(problems(ev)).extracting(f -> f.check() + "/" + f.severity().label()).containsExactly(
                "quota/warning", "fragmentation/warning", "wal-fsync/warning", "backend-commit/warning", "peer-rtt/warning",
                "leader-changes/warning");
        assertThat(ev.cluster().quotaSource()).isEqualTo("metrics");
        assertThat(ev.cluster().quotaUseRatio()).isEqualTo(0.879);
    }

    @Test
    void explicitQuotaWinsAndCriticalAt95Percent() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2");
        c.members.keySet().forEach(n -> c.sizes(n, 97 * MIB, 96 * MIB));
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(c, Map.of(), 100 * MIB, null));
        assertThat(problems(ev)).extracting(Finding::check, Finding::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("quota", Severity.CRITICAL));
        assertThat(ev.cluster().quotaSource()).isEqualTo("option");
    }

    @Test
    void learnerThatIsFarBehindIsAWarning() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2", "learner3");
        c.members.values().forEach(m -> m.raftIndex = 2000);
        c.m("learner3").raftIndex = 10;
        HealthEvaluator.Evaluation ev = evaluator.evaluate(observe(c));
        assertThat(problems(ev)).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("learner learner3 has not caught up: 1990 raft entries behind");
        });
        assertThat(ev.cluster().learners()).isEqualTo(1);
    }

    @Test
    void learnerAddedButNeverStartedIsAWarningAndAVoterLikeThatIsCritical() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2");
        ClusterView v = c.view();
        var learner = new io.etcdops.core.etcd.MemberInfo(0x999, "", List.of(java.net.URI.create("http://n:2380")), List.of(), true);
        var voter = new io.etcdops.core.etcd.MemberInfo(0x998, "", List.of(java.net.URI.create("http://v:2380")), List.of(), false);
        for (var extra : List.of(learner, voter)) {
            List<io.etcdops.core.etcd.MemberInfo> members = new java.util.ArrayList<>(v.members());
            members.add(extra);
            List<io.etcdops.core.etcd.MemberStatus> statuses = new java.util.ArrayList<>(v.statuses());
            statuses.add(io.etcdops.core.etcd.MemberStatus.unreachable(extra, null, "member has not started (no client URLs)"));
            ClusterView withExtra = new ClusterView(v.clusterId(), members, statuses, List.of());
            HealthEvaluator.Evaluation ev = evaluator.evaluate(new Observation(Instant.now(), withExtra, List.of(), null, null, false,
                    false, Map.of(), HashKvComparison.compare(0, List.of()), null, null));
            Finding f = problems(ev).stream().filter(x -> x.check().equals("reachable")).findFirst().orElseThrow();
            assertThat(f.severity()).isEqualTo(extra.learner() ? Severity.WARNING : Severity.CRITICAL);
            assertThat(f.message()).contains("was added but never started");
            assertThat(f.advice()).contains("member remove " + extra.idHex());
        }
    }

    @Test
    void hashKvMismatchIsCritical() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2");
        ClusterView v = c.view();
        HashKvComparison mismatch = HashKvComparison.compare(9, List.of(MemberHash.of("m0", 9, 1, 1), MemberHash.of("m1", 9, 1, 1),
                MemberHash.of("m2", 9, 1, 2)));
        HealthEvaluator.Evaluation ev = evaluator.evaluate(new Observation(Instant.now(), v, v.alarms(), null, null, false, false,
                Map.of(), mismatch, null, null));
        assertThat(problems(ev)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("hashkv");
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.message()).contains("suspect [m2]");
        });
    }

    @Test
    void backupAge() {
        Duration max = Duration.ofHours(25);
        BackupAge fresh = new BackupAge("file:///b", "etcd", "x", Instant.now(), 3600L, 4, null);
        BackupAge stale = new BackupAge("file:///b", "etcd", "x", Instant.now(), 30 * 3600L, 4, null);
        BackupAge ancient = new BackupAge("file:///b", "etcd", "x", Instant.now(), 60 * 3600L, 4, null);
        BackupAge none = new BackupAge("file:///b", "etcd", null, null, null, 0, null);
        assertThat(BackupFindings.finding(fresh, max).severity()).isEqualTo(Severity.OK);
        assertThat(BackupFindings.finding(stale, max).severity()).isEqualTo(Severity.WARNING);
        assertThat(BackupFindings.finding(ancient, max).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(BackupFindings.finding(none, max).message()).contains("no committed backup");
    }

    @Test
    void exitCodes() {
        var refused = new io.etcdops.health.action.ActionResult("defrag", "refused", "x", null, List.of(), 0, null, null);
        assertThat(HealthRun.exitCode(Severity.OK, List.of(), Severity.CRITICAL).code()).isZero();
        assertThat(HealthRun.exitCode(Severity.WARNING, List.of(), Severity.CRITICAL).code()).isZero();
        assertThat(HealthRun.exitCode(Severity.WARNING, List.of(), Severity.WARNING).code()).isEqualTo(1);
        assertThat(HealthRun.exitCode(Severity.CRITICAL, List.of(refused), Severity.CRITICAL).code()).isEqualTo(1);
        assertThat(HealthRun.exitCode(Severity.OK, List.of(refused), Severity.CRITICAL).code()).isEqualTo(3);
    }
}
