package io.etcdops.health.action;

import io.etcdops.core.runtime.JobException;
import io.etcdops.health.FakeCluster;
import io.etcdops.health.Thresholds;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The NOSPACE recovery's rules against scripted states. CORRUPT alarms cannot be raised on demand in a real etcd,
 * so "never disarm CORRUPT" is tested here; the real recovery (compact, defrag, disarm, writes work) is NospaceIT.
 */
class NospaceRecoveryTest {
    private static final long MIB = 1 << 20;

    private static NospaceRecovery recovery(FakeCluster c) {
        DefragPolicy p = new DefragPolicy(Thresholds.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(20),
                Duration.ofSeconds(2), Duration.ofMillis(1));
        return new NospaceRecovery(c, new SafeDefrag(c, p, Clock.systemUTC()));
    }

    @Test
    void compactsThenDefragmentsEveryMemberLeaderLastThenDisarmsNospace() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").leader("m0").alarm("m1", "NOSPACE").alarm("m2", "NOSPACE");
        c.members.keySet().forEach(n -> c.sizes(n, 8 * MIB, 7 * MIB)); // not "fragmented": NOSPACE defragments all anyway
        ActionResult r = recovery(c).run(false, 16 * MIB);
        assertThat(r.outcome()).isEqualTo("done");
        assertThat(c.calls).containsExactly("compact 4242", "defrag m1", "defrag m2", "defrag m0 (leader)",
                "disarm NOSPACE " + Long.toHexString(c.id("m1")), "disarm NOSPACE " + Long.toHexString(c.id("m2")));
        assertThat(r.compactedToRevision()).isEqualTo(4242);
        assertThat(r.alarmsAfter()).isEmpty();
    }

    @Test
    void withACorruptAlarmNothingIsTouched() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").alarm("m1", "NOSPACE").alarm("m2", "CORRUPT");
        ActionResult r = recovery(c).run(false, null);
        assertThat(r.outcome()).isEqualTo("refused");
        assertThat(r.reason()).contains("CORRUPT");
        assertThat(c.calls).isEmpty();
        assertThat(c.alarms()).extracting(a -> a.type()).containsExactly("NOSPACE", "CORRUPT");
    }

    @Test
    void aCorruptAlarmRaisedDuringTheRunIsLeftArmed() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").leader("m0").alarm("m1", "NOSPACE");
        c.afterDefrag(name -> {
            if (name.equals("m0")) {
                c.alarm("m2", "CORRUPT");
            }
        });
        ActionResult r = recovery(c).run(false, null);
        assertThat(r.outcome()).isEqualTo("done");
        assertThat(c.calls).filteredOn(s -> s.startsWith("disarm")).containsExactly("disarm NOSPACE " + Long.toHexString(c.id("m1")));
        assertThat(r.alarmsAfter()).containsExactly("CORRUPT@" + Long.toHexString(c.id("m2")));
    }

    @Test
    void aCorruptAlarmThatVanishesWithTheDisarmFailsTheRun() {
        // simulates a disarm request carrying the wrong alarm type (what jetcd would send if it did not hard-code NOSPACE)
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").leader("m0").alarm("m1", "NOSPACE").disarmAlsoDropsCorrupt();
        c.afterDefrag(name -> {
            if (name.equals("m0")) {
                c.alarm("m2", "CORRUPT");
            }
        });
        assertThatThrownBy(() -> recovery(c).run(false, null)).isInstanceOf(JobException.class)
                .hasMessageContaining("CORRUPT alarm disappeared");
    }

    @Test
    void noNospaceAlarmIsNothingToDo() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2");
        assertThat(recovery(c).run(false, null).outcome()).isEqualTo("nothing-to-do");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void aMemberDownRefusesBeforeCompacting() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").alarm("m0", "NOSPACE").down("m2");
        ActionResult r = recovery(c).run(false, null);
        assertThat(r.outcome()).isEqualTo("refused");
        assertThat(r.reason()).contains("m2 is down");
        assertThat(c.calls).isEmpty();
    }

    @Test
    void staysArmedWhenTheLiveDataStillExceedsTheQuota() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").alarm("m0", "NOSPACE");
        c.members.keySet().forEach(n -> c.sizes(n, 20 * MIB, 19 * MIB));
        ActionResult r = recovery(c).run(false, 16 * MIB);
        assertThat(r.outcome()).isEqualTo("failed");
        assertThat(r.reason()).contains("raise --quota-backend-bytes");
        assertThat(c.calls).noneMatch(s -> s.startsWith("disarm"));
        assertThat(c.alarms()).hasSize(1);
    }

    @Test
    void dryRunPlansAndChangesNothing() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").leader("m1").alarm("m0", "NOSPACE");
        ActionResult r = recovery(c).run(true, null);
        assertThat(r.outcome()).isEqualTo("dry-run");
        assertThat(r.reason()).contains("compact to revision 4242").contains("disarm NOSPACE of " + Long.toHexString(c.id("m0")));
        assertThat(r.steps()).extracting(DefragStep::member).containsExactly("m0", "m2", "m1");
        assertThat(c.calls).isEmpty();
    }
}
