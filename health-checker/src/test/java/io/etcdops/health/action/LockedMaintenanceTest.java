package io.etcdops.health.action;

import io.etcdops.core.runtime.JobException;
import io.etcdops.health.FakeCluster;
import io.etcdops.health.Thresholds;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A lock lost mid-run (the Lease taken over or not renewed) stops the defrag before the next member is touched. */
class LockedMaintenanceTest {

    @Test
    void aLockLostAfterTheFirstMemberStopsBeforeTheSecond() {
        FakeCluster c = FakeCluster.fragmented("m0", "m1", "m2").leader("m2");
        boolean[] lost = {false};
        c.afterDefrag(name -> lost[0] = true);
        ClusterLock.Held held = new ClusterLock.Held() {
            @Override
            public void ensureHeld() {
                if (lost[0]) {
                    throw JobException.failed("lost the cluster lock Lease default/etcd-ops-etcd to etcd-upgrade-1");
                }
            }

            @Override
            public void close() {
            }
        };
        DefragPolicy p = new DefragPolicy(Thresholds.defaults(), Duration.ofSeconds(30), Duration.ofSeconds(20),
                Duration.ofSeconds(2), Duration.ofMillis(1));

        ActionResult r = new SafeDefrag(new LockedMaintenance(c, held), p, Clock.systemUTC()).run(SafeDefrag.Selection.FRAGMENTED, false);

        assertThat(c.calls).containsExactly("defrag m0");
        assertThat(r.outcome()).isEqualTo(ActionResult.FAILED);
        assertThat(r.reason()).contains("lost the cluster lock Lease default/etcd-ops-etcd to etcd-upgrade-1");
    }
}
