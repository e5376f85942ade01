package io.etcdops.health.action;

import io.etcdops.health.FakeCluster;
import io.etcdops.health.Thresholds;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordering and safety rules of the defrag action against scripted cluster states (real etcd: DefragIT). */
class SafeDefragTest {
    private static final long MIB = 1 << 20;

    private static SafeDefrag defrag(FakeCluster c) {
        DefragPolicy p = new DefragPolicy(Thresholds.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(20),
                Duration.ofSeconds(2), Duration.ofMillis(1));
        return new SafeDefrag(c, p, Clock.systemUTC());
    }

    @Test
    void followersOneAtATimeThenTheLeaderLast() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m1");
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(r.outcome()).isEqualTo("done");
        assertThat(c.calls).containsExactly("defrag m0", "defrag m2", "defrag m1 (leader)");
        assertThat(r.steps()).extracting(DefragStep::leader).containsExactly(false, false, true);
        assertThat(r.reclaimedBytes()).isEqualTo(3 * 300 * MIB);
        assertThat(r.steps().get(0).reclaimedBytes()).isEqualTo(300 * MIB);
    }

    @Test
    void leadershipMovingMidRunStillLeavesTheCurrentLeaderForLast() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m2");
        // after m0's defrag, leadership moves to m1 (an election can happen at any time)
        c.afterDefrag(name -> {
            if (name.equals("m0")) {
                c.leader("m1");
            }
        });
        defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(c.calls).containsExactly("defrag m0", "defrag m2", "defrag m1 (leader)");
    }

    @Test
    void onlyFragmentedMembersAreTouched() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m0")
                .sizes("m1", 400 * MIB, 300 * MIB)     // 75% in use: not fragmented
                .sizes("m2", 90 * MIB, 10 * MIB);      // fragmented but below 100 MiB: not worth it
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(c.calls).containsExactly("defrag m0 (leader)");
        assertThat(r.steps()).hasSize(1);
    }

    @Test
    void nothingFragmentedIsNothingToDo() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2");
        c.members.keySet().forEach(n -> c.sizes(n, 10 * MIB, 9 * MIB));
        assertThat(defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false).outcome()).isEqualTo("nothing-to-do");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void refusesWhileAnyMemberIsDownEvenOneThatNeedsNoDefrag() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").down("m2");
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(r.outcome()).isEqualTo("refused");
        assertThat(r.reason()).contains("m2 is down");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void refusesWhileAMemberReportsAnErrorButNotForAnAlarm() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").error("m1", "etcdserver: some failure");
        assertThat(defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false).reason()).contains("m1 is not healthy");
        FakeCluster nospace = FakeCluster.fragmented("m0", "m1", "m2").alarm("m0", "NOSPACE");
        assertThat(defrag(nospace).run(SafeDefrag.Selection.FRAGMENTED, false).outcome()).isEqualTo("done");
    }

    @Test
    void refusesWhenAMemberGoesDownBetweenSteps() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m2");
        c.afterDefrag(name -> c.down("m1"));
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(r.outcome()).isEqualTo("refused");
        assertThat(c.calls).containsExactly("defrag m0");
        assertThat(r.steps()).hasSize(1);
    }

    @Test
    void singleMemberClusterIsRefusedByTheQuorumGuard() {
        FakeCluster c = FakeCluster.fragmented("solo");
        ActionResult r = defrag(c).run(SafeDefrag.Selection.ALL, false);
        assertThat(r.outcome()).isEqualTo("refused");
        assertThat(r.reason()).contains("below quorum 1");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void aFailedMemberStopsTheRunAndTheRestIsLeftAlone() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m2").failDefragOf("m0");
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false);
        assertThat(r.outcome()).isEqualTo("failed");
        assertThat(r.reason()).contains("did not finish");
        assertThat(c.calls).containsExactly("defrag m0");
    }

    @Test
    void corruptAlarmRefusesEverything() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").alarm("m1", "CORRUPT");
        assertThat(defrag(c).run(SafeDefrag.Selection.FRAGMENTED, false).reason()).contains("CORRUPT");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void dryRunPlansWithDeadlinesAndChangesNothing() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m0").sizes("m1", 3L << 30, 1L << 30);
        ActionResult r = defrag(c).run(SafeDefrag.Selection.FRAGMENTED, true);
        assertThat(r.outcome()).isEqualTo("dry-run");
        assertThat(r.steps()).extracting(DefragStep::member).containsExactly("m1", "m2", "m0");
        assertThat(r.steps().get(0).deadlineSeconds()).isEqualTo(30 + 60);
        assertThat(c.calls).isEmpty();
    }

    @Test
    void deadlineGrowsWithTheDbSize() {
        DefragPolicy p = DefragPolicy.defaults(Thresholds.defaults());
        assertThat(p.deadline(0)).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.deadline(1L << 30)).isEqualTo(Duration.ofSeconds(50));
        assertThat(p.deadline(8L << 30)).isEqualTo(Duration.ofSeconds(190));
    }
}
