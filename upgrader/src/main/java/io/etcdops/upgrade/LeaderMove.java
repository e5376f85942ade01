package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import io.etcdops.upgrade.MemberPods.MemberPod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Hands leadership to an already-upgraded healthy member before the leader is restarted, so the cluster changes
 * leader once, when we choose, instead of in an election after the leader's pod is gone. etcd accepts MoveLeader only
 * on the current leader, so it is sent over a client bound to the leader's URL alone.
 */
final class LeaderMove {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderMove.class);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private final ClusterProbe probe;

    LeaderMove(ClusterProbe probe) {
        this.probe = probe;
    }

    /** The upgraded healthy member with the highest applied index, if any. */
    static Optional<MemberStatus> transferee(ClusterView view, Set<Long> upgraded) {
        long leader = view.leaderId();
        return view.statuses().stream().filter(MemberStatus::healthy).filter(s -> s.leaderId() == leader)
                .filter(s -> s.member().id() != leader && upgraded.contains(s.member().id()))
                .max(Comparator.comparingLong(MemberStatus::raftAppliedIndex));
    }

    /** Moves leadership from {@code from} to {@code to} and waits until every member follows {@code to}. */
    Map<String, Object> move(MemberPod from, MemberPod to) {
        URI leaderUrl = from.dialUrl();
        LOG.info("moving leadership from {} to {} (already upgraded) before restarting {}", from.member().label(),
                to.member().label(), from.pod());
        Instant start = Instant.now();
        try (EtcdSession leader = EtcdSession.open(probe.config().withEndpoints(List.of(leaderUrl)))) {
            leader.await("move leader to " + to.member().label(),
                    () -> leader.client().getMaintenanceClient().moveLeader(to.member().id()), probe.config().commandTimeout());
        }
        Instant deadline = start.plus(SETTLE);
        while (Instant.now().isBefore(deadline)) {
            ClusterView v = probe.view();
            if (v.leaderId() == to.member().id() && PreFlight.unhealthy(v).isEmpty()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("from", from.member().label());
                m.put("to", to.member().label());
                m.put("at", start.toString());
                m.put("seconds", MemberRestart.seconds(start, Instant.now()));
                LOG.info("{} leads now ({}s)", to.member().label(), m.get("seconds"));
                return m;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw JobException.failed("interrupted while moving leadership");
            }
        }
        throw JobException.failed("moved leadership to " + to.member().label() + " but the cluster did not settle on it within "
                + SETTLE.toSeconds() + "s");
    }
}
