package io.etcdops.health.action;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.Quorum;
import io.etcdops.core.runtime.JobException;
import io.etcdops.health.MemberCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Defragments members one at a time, followers first and the leader last, in place. Leadership is not moved first:
 * measured on etcd 3.5.30 (bench/RESULTS.md), moving it did not shorten the longest client stall and dropped writes.
 * Before every member it takes a fresh view and stops (refused) unless every member is serving and
 * caught up, no CORRUPT alarm is active and the cluster keeps quorum without this member
 * ({@link Quorum#survivesLosing(int)}). After every member it waits until that member serves again and has caught
 * up with the leader. A failed or timed-out member stops the run: the others are left alone.
 */
public final class SafeDefrag {
    private static final Logger LOG = LoggerFactory.getLogger(SafeDefrag.class);

    /** Which members to defragment. */
    public enum Selection {
        /** Members whose db is fragmented by the policy's threshold. */
        FRAGMENTED,
        /** Every member (NOSPACE recovery). */
        ALL
    }

    private final ClusterMaintenance etcd;
    private final DefragPolicy policy;
    private final Clock clock;

    public SafeDefrag(ClusterMaintenance etcd, DefragPolicy policy, Clock clock) {
        this.etcd = etcd;
        this.policy = policy;
        this.clock = clock;
    }

    /** The members to defragment in order, and why it would be refused right now (null if it would not). */
    public record Plan(ClusterView view, List<MemberInfo> order, String refusal) {
    }

    public Plan plan(Selection selection) {
        ClusterView first = etcd.view();
        List<MemberInfo> targets = new ArrayList<>();
        for (MemberInfo m : first.members()) {
            MemberStatus s = first.status(m.id()).orElse(null);
            if (selection == Selection.ALL || (s != null && s.reachable() && policy.thresholds().fragmented(s.dbSize(), s.dbSizeInUse()))) {
                targets.add(m);
            }
        }
        List<MemberInfo> order = planOrder(first, targets);
        return new Plan(first, order, order.isEmpty() ? null : unsafeReason(first, order.get(0)));
    }

    public ActionResult run(Selection selection, boolean dryRun) {
        Plan p = plan(selection);
        List<MemberInfo> order = p.order();
        if (order.isEmpty()) {
            return ActionResult.of("defrag", ActionResult.NOTHING, "no member is fragmented beyond the threshold", List.of());
        }
        if (dryRun) {
            List<DefragStep> plan = new ArrayList<>();
            for (int i = 0; i < order.size(); i++) {
                plan.add(planned(i + 1, p.view(), order.get(i)));
            }
            return ActionResult.of("defrag", ActionResult.DRY_RUN, p.refusal() == null
                    ? "would defragment " + order.size() + " member(s) one at a time, leader last"
                    : "would refuse now: " + p.refusal(), plan);
        }
        List<DefragStep> steps = new ArrayList<>();
        Set<Long> remaining = new LinkedHashSet<>(order.stream().map(MemberInfo::id).toList());
        while (!remaining.isEmpty()) {
            ClusterView view = etcd.view();
            MemberInfo next = pickNext(view, order, remaining);
            String unsafe = unsafeReason(view, next);
            if (unsafe != null) {
                LOG.warn("defrag stopped before {}: {}", next.label(), unsafe);
                return ActionResult.of("defrag", ActionResult.REFUSED, "stopped before " + next.label() + ": " + unsafe, steps);
            }
            DefragStep step = defragOne(steps.size() + 1, view, next);
            steps.add(step);
            remaining.remove(next.id());
            if (!step.outcome().equals(ActionResult.DONE)) {
                return ActionResult.of("defrag", ActionResult.FAILED, step.error(), steps);
            }
        }
        return ActionResult.of("defrag", ActionResult.DONE, "defragmented " + steps.size() + " member(s), leader last", steps);
    }

    /** Followers (and learners) by name, the current leader last. */
    static List<MemberInfo> planOrder(ClusterView view, List<MemberInfo> targets) {
        long leader = view.leaderId();
        return targets.stream()
                .sorted(Comparator.comparing((MemberInfo m) -> m.id() == leader).thenComparing(MemberInfo::label))
                .toList();
    }

    /** The next member: the first remaining one in plan order that is not the leader now; the leader only when it is the last. */
    static MemberInfo pickNext(ClusterView view, List<MemberInfo> order, Set<Long> remaining) {
        long leader = view.leaderId();
        List<MemberInfo> left = order.stream().filter(m -> remaining.contains(m.id())).toList();
        return left.stream().filter(m -> m.id() != leader).findFirst().orElse(left.get(0));
    }

    /** Why defragmenting {@code target} now would be unsafe, or null when it is safe. */
    String unsafeReason(ClusterView view, MemberInfo target) {
        if (view.alarms().stream().anyMatch(a -> a.type().equals("CORRUPT"))) {
            return "a CORRUPT alarm is active (a member's data diverged; defragmenting would not help and could hide evidence)";
        }
        Optional<MemberStatus> leader = view.leader();
        for (MemberInfo m : view.members()) {
            MemberStatus s = view.status(m.id()).orElse(null);
            if (!m.started() || s == null || !s.reachable()) {
                return "member " + m.label() + " is down (" + (s == null || s.error() == null ? "not started" : s.error()) + ")";
            }
            if (!MemberCondition.serving(s)) {
                return "member " + m.label() + " is not healthy (" + (s.leaderId() == 0 ? "no leader" : String.join("; ", MemberCondition.otherErrors(s))) + ")";
            }
            if (leader.isPresent() && leader.get().raftIndex() - s.raftIndex() > policy.thresholds().maxRaftLag()) {
                return "member " + m.label() + " is " + (leader.get().raftIndex() - s.raftIndex()) + " raft entries behind the leader";
            }
        }
        Quorum q = MemberCondition.quorum(view);
        if (!target.learner() && !q.survivesLosing(1)) {
            return "taking " + target.label() + " out while it defragments would leave " + (q.healthyVoters() - 1) + " healthy of "
                    + q.voters() + " voting members, below quorum " + q.size();
        }
        return null;
    }

    private DefragStep planned(int order, ClusterView view, MemberInfo m) {
        MemberStatus s = view.status(m.id()).orElse(MemberStatus.unreachable(m, null, "no status"));
        return new DefragStep(order, m.label(), m.idHex(), s.isLeader(), m.learner(), "planned", s.dbSize(), s.dbSizeInUse(),
                null, null, policy.deadline(s.dbSize()).toSeconds(), null, null, null);
    }

    private DefragStep defragOne(int order, ClusterView view, MemberInfo m) {
        MemberStatus before = view.status(m.id()).orElseThrow();
        long leaderIndex = view.leader().map(MemberStatus::raftIndex).orElse(0L);
        Duration deadline = policy.deadline(before.dbSize());
        Instant start = clock.instant();
        LOG.info("defragmenting {} ({}{}, db {} bytes, {} in use, deadline {})", m.label(), before.isLeader() ? "leader" : "follower",
                m.learner() ? ", learner" : "", before.dbSize(), before.dbSizeInUse(), Durations.format(deadline));
        try {
            etcd.defragment(before, deadline);
            MemberStatus after = awaitReady(m, leaderIndex);
            Instant end = clock.instant();
            long reclaimed = Math.max(0, before.dbSize() - after.dbSize());
            LOG.info("defragmented {} in {}: {} -> {} bytes", m.label(), Durations.format(Duration.between(start, end)), before.dbSize(), after.dbSize());
            return new DefragStep(order, m.label(), m.idHex(), before.isLeader(), m.learner(), ActionResult.DONE, before.dbSize(),
                    before.dbSizeInUse(), after.dbSize(), reclaimed, deadline.toSeconds(), start, end, null);
        } catch (JobException e) {
            return new DefragStep(order, m.label(), m.idHex(), before.isLeader(), m.learner(), ActionResult.FAILED, before.dbSize(),
                    before.dbSizeInUse(), null, null, deadline.toSeconds(), start, clock.instant(), e.getMessage());
        }
    }

    /** Waits until the member serves again and has applied what the leader had before its defrag. */
    private MemberStatus awaitReady(MemberInfo m, long leaderIndexBefore) {
        Instant giveUp = clock.instant().plus(policy.readyTimeout());
        String last = "no answer";
        while (true) {
            ClusterView v = etcd.view();
            Optional<MemberStatus> s = v.status(m.id());
            if (s.isPresent() && MemberCondition.serving(s.get()) && s.get().raftAppliedIndex() >= leaderIndexBefore) {
                return s.get();
            }
            last = s.map(x -> x.reachable() ? "applied " + x.raftAppliedIndex() + " of " + leaderIndexBefore : x.error()).orElse(last);
            if (clock.instant().isAfter(giveUp)) {
                throw JobException.failed(m.label() + " did not serve again within " + Durations.format(policy.readyTimeout())
                        + " after its defragmentation (" + last + ")");
            }
            sleep(policy.pollInterval());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted");
        }
    }
}
