package io.etcdops.health.kube;

import io.etcdops.health.ClusterHealth;
import io.etcdops.health.Finding;
import io.etcdops.health.HealthEvaluator;
import io.etcdops.health.action.ActionResult;
import io.etcdops.health.hashkv.HashKvComparison;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which Events a run writes on the StatefulSet, recorded by a sink instead of the API (the IT checks the API side). */
class HealthEventsTest {
    private final List<String> written = new ArrayList<>();
    private final HealthEvents events = new HealthEvents((type, reason, message) -> written.add(type + " " + reason + ": " + message));

    private static HealthEvaluator.Evaluation evaluation(Finding... findings) {
        ClusterHealth c = new ClusterHealth("1", 3, 3, 0, 3, "etcd-0", true, 2, 3, 1, List.of("3.5.30"), true, 1, "default", null,
                List.of(), HashKvComparison.compare(0, List.of()), null, "default/etcd", 3);
        return new HealthEvaluator.Evaluation(c, List.of(), List.of(findings));
    }

    private static ActionResult action(String name, String outcome, String reason) {
        return new ActionResult(name, outcome, reason, null, List.of(), 0, null, null);
    }

    @Test
    void aHealthyRunWithNothingDoneWritesNothing() {
        events.report(evaluation(Finding.ok("quorum", "cluster", "fine")), List.of(action("defrag", ActionResult.NOTHING, "none"),
                action("defrag", ActionResult.DRY_RUN, "would")));
        assertThat(written).isEmpty();
    }

    @Test
    void oneWarningEventPerRunListsTheProblemsCriticalsFirst() {
        events.report(evaluation(Finding.ok("quorum", "cluster", "fine"),
                Finding.warning("zombie-member", "32a4", "learner 32a4 is run by no pod", "Remove it"),
                Finding.critical("pod", "etcd-1", "pod etcd-1: CrashLoopBackOff", "kubectl logs")), List.of());
        assertThat(written).containsExactly("Warning HealthCritical: etcd is critical (1 critical, 1 warning): critical etcd-1 pod: "
                + "pod etcd-1: CrashLoopBackOff; warning 32a4 zombie-member: learner 32a4 is run by no pod");
    }

    @Test
    void actionsThatDidOrRefusedSomethingAreEvents() {
        events.report(evaluation(Finding.ok("quorum", "cluster", "fine")), List.of(
                action("recover-nospace", ActionResult.DONE, "compacted, defragmented, disarmed"),
                action("defrag", ActionResult.REFUSED, "cluster lock Lease default/etcd-ops-etcd is held by upgrader-1"),
                action("defrag", ActionResult.FAILED, "defragmenting etcd-1 did not finish")));
        assertThat(written).containsExactly("Normal NospaceRecoveryDone: compacted, defragmented, disarmed",
                "Warning DefragRefused: cluster lock Lease default/etcd-ops-etcd is held by upgrader-1",
                "Warning DefragFailed: defragmenting etcd-1 did not finish");
    }

    @Test
    void aSinkThatThrowsNeverFailsTheRun() {
        HealthEvents failing = new HealthEvents((type, reason, message) -> {
            throw new IllegalStateException("API down");
        });
        failing.report(evaluation(Finding.critical("leader", "cluster", "none", "x")), List.of());
    }
}
