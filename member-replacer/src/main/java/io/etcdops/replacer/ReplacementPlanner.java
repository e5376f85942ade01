package io.etcdops.replacer;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.Quorum;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides what one run does, from what etcd and Kubernetes say right now (never from memory alone): finish a
 * replacement that an earlier run left half done, replace the replica that has been unhealthy longest beyond the grace
 * period (or the one {@code --member} names), wait, do nothing — or refuse, with the reason, when acting would put
 * the cluster at risk. Pure: no I/O, so every rule is tested on plain values.
 */
final class ReplacementPlanner {
    static final String RUNBOOK_QUORUM_LOSS = "docs/runbooks/restore-after-quorum-loss.md";

    /** What a run looked at. {@code seedPods}: this tool's seed pods, by the replica they stand in for. */
    record Observation(StatefulSetTarget target, StatefulSet statefulSet, ClusterView view, List<MemberHealth> health,
                       Map<String, Instant> unhealthySince, Map<String, Pod> pods, Map<String, Pod> seedPods,
                       Optional<ProgressRecord.Progress> progress, Instant now, Duration grace, Optional<String> requested) {
    }

    enum Kind { HEALTHY, WAITING, REPLACE, REFUSED }

    /**
     * @param ordinal    the replica to replace (REPLACE), else -1
     * @param member     its current member, when it is still in the member list (it is removed first)
     * @param resume     an earlier run started this replacement
     * @param reason     why, in one line
     * @param due        WAITING: when the first unhealthy replica passes its grace period
     * @param staleProgress a progress record names a replacement that has visibly completed: clear it
     */
    record Decision(Kind kind, int ordinal, Optional<MemberInfo> member, boolean resume, String reason, Optional<Instant> due,
                    boolean staleProgress) {
        static Decision of(Kind k, String reason) {
            return new Decision(k, -1, Optional.empty(), false, reason, Optional.empty(), false);
        }

        Decision withStaleProgress(boolean stale) {
            return new Decision(kind, ordinal, member, resume, reason, due, stale);
        }
    }

    private ReplacementPlanner() {
    }

    static Decision decide(Observation o) {
        Decision d = decideIgnoringStaleness(o);
        return d.withStaleProgress(staleProgress(o));
    }

    private static Decision decideIgnoringStaleness(Observation o) {
        StatefulSetTarget t = o.target();
        Quorum q = o.view().quorum();
        if (!q.present()) {
            return Decision.of(Kind.REFUSED, "the cluster has no quorum (" + q.healthyVoters() + " of " + q.voters()
                    + " voting members healthy, " + q.size() + " needed): replacing a member cannot fix that and needs "
                    + "quorum to change membership; restore from a snapshot instead, see " + RUNBOOK_QUORUM_LOSS);
        }
        Optional<Decision> resume = resumption(o);
        if (resume.isPresent()) {
            return resume.get().kind() == Kind.REFUSED ? resume.get() : guarded(o, resume.get());
        }
        if (o.requested().isPresent()) {
            String wanted = o.requested().get();
            Optional<MemberInfo> m = o.view().memberByName(wanted);
            OptionalInt ordinal = m.map(x -> MemberHealth.ordinalOf(t, x)).orElse(OptionalInt.empty());
            if (m.isEmpty() && wanted.matches(java.util.regex.Pattern.quote(t.name()) + "-\\d+")) {
                int i = Integer.parseInt(wanted.substring(t.name().length() + 1));
                if (i < t.replicas()) {
                    ordinal = OptionalInt.of(i);
                }
            }
            if (ordinal.isEmpty()) {
                return Decision.of(Kind.REFUSED, "--member " + wanted + " is not a member of StatefulSet " + t.namespace() + "/"
                        + t.name() + " (members: " + o.view().members().stream().map(MemberInfo::label).toList() + ")");
            }
            return guarded(o, new Decision(Kind.REPLACE, ordinal.getAsInt(), m, false, "requested with --member " + wanted,
                    Optional.empty(), false));
        }
        List<MemberHealth> unhealthy = o.health().stream().filter(h -> !h.healthy()).toList();
        if (unhealthy.isEmpty()) {
            return Decision.of(Kind.HEALTHY, "all " + t.replicas() + " members healthy");
        }
        Optional<MemberHealth> due = unhealthy.stream()
                .filter(h -> !since(o, h).plus(o.grace()).isAfter(o.now()))
                .min(Comparator.comparing((MemberHealth h) -> since(o, h)).thenComparingInt(MemberHealth::ordinal));
        if (due.isEmpty()) {
            Instant next = unhealthy.stream().map(h -> since(o, h).plus(o.grace())).min(Comparator.naturalOrder()).orElseThrow();
            return new Decision(Kind.WAITING, -1, Optional.empty(), false, unhealthy.size() + " unhealthy, within the grace period of "
                    + o.grace() + ": " + String.join(" | ", unhealthy.stream().map(MemberHealth::describe).toList()),
                    Optional.of(next), false);
        }
        MemberHealth h = due.get();
        return guarded(o, new Decision(Kind.REPLACE, h.ordinal(), h.member(), false, "unhealthy since " + since(o, h)
                + " (grace " + o.grace() + "): " + String.join("; ", h.problems()), Optional.empty(), false));
    }

    private static Instant since(Observation o, MemberHealth h) {
        return o.unhealthySince().getOrDefault(h.pod(), o.now());
    }

    /**
     * A replacement an earlier run began, as the cluster shows it: a member standing at one of our seed pods' addresses,
     * a learner of one of the replicas, our hold on a pod, or our progress record.
     */
    private static Optional<Decision> resumption(Observation o) {
        StatefulSetTarget t = o.target();
        for (MemberInfo m : o.view().members()) {
            OptionalInt seeded = seedOrdinal(o, m);
            if (seeded.isPresent()) {
                return Optional.of(resume(o, seeded.getAsInt(), "member " + m.idHex() + " runs at the address of its seed pod"));
            }
        }
        List<MemberInfo> learners = o.view().learners();
        if (learners.size() > 1) {
            return Optional.of(Decision.of(Kind.REFUSED, learners.size() + " learners exist " + labels(learners)
                    + ": member-replacer adds at most one; promote or remove them by hand first"));
        }
        if (learners.size() == 1) {
            MemberInfo l = learners.get(0);
            OptionalInt ordinal = MemberHealth.ordinalOf(t, l);
            if (ordinal.isEmpty()) {
                return Optional.of(Decision.of(Kind.REFUSED, "a learner exists (" + l.label() + ", peer URLs " + l.peerUrls()
                        + ") that belongs to no replica of " + t.name() + " and no replacement of ours: promote or remove it "
                        + "first (etcdctl member promote|remove " + l.idHex() + ")"));
            }
            return Optional.of(resume(o, ordinal.getAsInt(), "learner " + l.idHex() + " is in the cluster"));
        }
        for (int i = 0; i < t.replicas(); i++) {
            Pod p = o.pods().get(t.podName(i));
            if (p != null && PodHold.held(p)) {
                return Optional.of(resume(o, i, "its pod is still held by " + PodHold.FINALIZER));
            }
        }
        OptionalInt recorded = recordedOrdinal(o);
        if (recorded.isPresent() && !staleProgress(o)) {
            return Optional.of(resume(o, recorded.getAsInt(), "recorded on the StatefulSet (phase " + o.progress().get().phase() + ")"));
        }
        return Optional.empty();
    }

    private static Decision resume(Observation o, int i, String why) {
        StatefulSetTarget t = o.target();
        String fresh = o.progress().map(p -> p.data().get(MemberReplacement.NEW_MEMBER_ID)).orElse(null);
        Optional<MemberInfo> old = o.view().members().stream()
                .filter(m -> MemberHealth.ordinalOf(t, m).orElse(-1) == i && !m.learner() && seedOrdinal(o, m).isEmpty()
                        && !m.idHex().equals(fresh))
                .findFirst();
        return new Decision(Kind.REPLACE, i, old, true, "finishing the replacement of " + t.podName(i) + ": " + why,
                Optional.empty(), false);
    }

    /** The replica whose seed pod a member runs at (by the seed pod's address, or the seed URL recorded before the add). */
    static OptionalInt seedOrdinal(Observation o, MemberInfo m) {
        for (URI u : m.peerUrls()) {
            for (Map.Entry<String, Pod> e : o.seedPods().entrySet()) {
                Pod seed = e.getValue();
                String ip = seed.getStatus() == null ? null : seed.getStatus().getPodIP();
                if (ip != null && ip.equals(u.getHost())) {
                    return ordinalOfPod(o.target(), e.getKey());
                }
            }
            if (o.progress().isPresent() && u.toString().equals(o.progress().get().data().get(MemberReplacement.SEED_PEER_URL))) {
                return recordedOrdinal(o);
            }
        }
        return OptionalInt.empty();
    }

    static OptionalInt ordinalOfPod(StatefulSetTarget t, String pod) {
        for (int i = 0; i < t.replicas(); i++) {
            if (t.podName(i).equals(pod)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt recordedOrdinal(Observation o) {
        if (o.progress().isEmpty() || !MemberReplacement.OPERATION.equals(o.progress().get().operation())) {
            return OptionalInt.empty();
        }
        String pod = o.progress().get().data().get(MemberReplacement.POD);
        return pod == null ? OptionalInt.empty() : ordinalOfPod(o.target(), pod);
    }

    /**
     * The record describes a replacement that is over: its pod was released (or the replica is healthy again with a
     * member other than the one replaced) and nothing of ours is left around it — no hold, no seed pod, no learner. Such a
     * record is cleared, never resumed: a later failure of the same replica is a new replacement.
     */
    static boolean staleProgress(Observation o) {
        if (o.progress().isEmpty() || !MemberReplacement.OPERATION.equals(o.progress().get().operation())) {
            return false;
        }
        OptionalInt i = recordedOrdinal(o);
        if (i.isEmpty()) {
            return true;
        }
        MemberHealth h = o.health().get(i.getAsInt());
        Pod p = o.pods().get(h.pod());
        boolean oursAround = (p != null && PodHold.held(p)) || o.seedPods().containsKey(h.pod()) || !o.view().learners().isEmpty();
        if (oursAround) {
            return false;
        }
        ProgressRecord.Progress rec = o.progress().get();
        boolean newMemberBack = h.member().map(m -> !Objects.equals(m.idHex(), rec.data().get(MemberReplacement.OLD_MEMBER_ID)))
                .orElse(false);
        return rec.completed("pod-released") || (h.healthy() && newMemberBack);
    }

    /** Safety checks every replacement passes before it acts (docs/design.md invariants 1 and 4). */
    private static Decision guarded(Observation o, Decision d) {
        Optional<String> rollout = rollout(o.statefulSet());
        if (rollout.isPresent()) {
            return Decision.of(Kind.REFUSED, "StatefulSet " + o.target().name() + " is mid-rollout (" + rollout.get()
                    + "): replacing a member now would race the StatefulSet controller; wait for the rollout to finish");
        }
        if (!d.resume()) {
            List<String> others = o.health().stream().filter(h -> h.ordinal() != d.ordinal() && !h.healthy()
                    && h.member().isPresent()).map(MemberHealth::describe).toList();
            if (!others.isEmpty()) {
                return Decision.of(Kind.REFUSED, "another member is unhealthy too (" + String.join(" | ", others) + "): etcd adds "
                        + "no member while a voting member is unreachable (--strict-reconfig-check), so a replacement would stop "
                        + "half way; bring it back or remove it by hand (docs/runbooks/replace-a-member.md), then rerun");
            }
        }
        if (d.member().isPresent() && !d.member().get().learner()) {
            MemberInfo m = d.member().get();
            ClusterView v = o.view();
            Optional<MemberStatus> s = v.status(m.id());
            boolean healthy = s.isPresent() && s.get().healthy() && s.get().leaderId() == v.leaderId();
            Quorum q = v.quorum();
            if (!q.survivesRemovingOne(healthy)) {
                return Decision.of(Kind.REFUSED, "removing " + m.label() + " (" + (healthy ? "healthy" : "unhealthy") + ") would leave "
                        + (q.healthyVoters() - (healthy ? 1 : 0)) + " healthy of " + (q.voters() - 1) + " voting members, fewer than "
                        + "the " + ((q.voters() - 1) / 2 + 1) + " a quorum needs");
            }
        }
        return d;
    }

    /** Why the StatefulSet counts as mid-rollout, if it does. */
    static Optional<String> rollout(StatefulSet sts) {
        var st = sts.getStatus();
        if (st == null) {
            return Optional.of("the controller has reported no status yet");
        }
        Long gen = sts.getMetadata().getGeneration();
        if (gen != null && st.getObservedGeneration() != null && st.getObservedGeneration() < gen) {
            return Optional.of("generation " + gen + " not yet observed by the controller (observed " + st.getObservedGeneration() + ")");
        }
        if (st.getUpdateRevision() != null && st.getCurrentRevision() != null && !st.getUpdateRevision().equals(st.getCurrentRevision())) {
            return Optional.of("current revision " + st.getCurrentRevision() + ", update revision " + st.getUpdateRevision());
        }
        return Optional.empty();
    }

    private static String labels(List<MemberInfo> ms) {
        return ms.stream().map(m -> m.label() + " " + m.peerUrls()).toList().toString();
    }
}
