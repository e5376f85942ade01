package io.etcdops.health.kube;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.health.Finding;
import io.etcdops.health.MemberCondition;
import io.fabric8.kubernetes.api.model.Pod;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares etcd's member list with the StatefulSet that should run it. Every ordinal {@code 0..replicas-1} should have
 * exactly one member, a voting one, and a Ready pod; every member should be run by one of those pods. A member belongs
 * to ordinal {@code n} when its name is the pod's name, else when a peer URL names the pod ({@code <sts>-<n>.…}) or
 * the pod's IP. Findings:
 * <ul>
 *   <li>{@code missing-member} (subject: the pod) — an ordinal with no member: the cluster is smaller than the
 *       StatefulSet. Critical when the cluster then tolerates no further failure, else warning.</li>
 *   <li>{@code zombie-member} (subject: the member) — a member no ordinal backs (a scale-down without
 *       {@code member remove}, a stray {@code member add}): warning, advice {@code etcdctl member remove <id>}.</li>
 *   <li>{@code learner} (subject: the pod) — a replica that is still a learner: stuck (not started, unreachable or more
 *       than the raft-lag threshold behind) or in sync but never promoted. Warning.</li>
 *   <li>{@code pod} (subject: the pod) — pod missing, terminating, not Ready, crash-looping (critical for a voting
 *       member's pod in CrashLoopBackOff).</li>
 * </ul>
 * Pure: it judges recorded inputs; {@link TargetStatefulSet} does the reading.
 */
public final class StatefulSetComparison {

    /**
     * @param podOfMember    member id -> the pod that runs it
     * @param podStatus      pod name -> "Ready" or what is wrong with it
     * @param judgedLearners learners this comparison reported on (their generic learner findings are redundant)
     */
    public record Result(List<Finding> findings, Map<Long, String> podOfMember, Map<String, String> podStatus, Set<Long> judgedLearners) {
    }

    private final StatefulSetState state;
    private final StatefulSetTarget t;
    private final ClusterView view;
    private final long maxRaftLag;
    private final Pattern podName;

    private StatefulSetComparison(StatefulSetState state, ClusterView view, long maxRaftLag) {
        this.state = state;
        this.t = state.target();
        this.view = view;
        this.maxRaftLag = maxRaftLag;
        this.podName = Pattern.compile(Pattern.quote(t.name()) + "-(\\d+)");
    }

    public static Result compare(StatefulSetState state, ClusterView view, long maxRaftLag) {
        return new StatefulSetComparison(state, view, maxRaftLag).compare();
    }

    private Result compare() {
        int replicas = t.replicas();
        Map<Integer, List<MemberInfo>> byOrdinal = new TreeMap<>();
        List<MemberInfo> unbacked = new ArrayList<>();
        for (MemberInfo m : view.members()) {
            OptionalInt o = ordinalOf(m);
            if (o.isPresent() && o.getAsInt() < replicas) {
                byOrdinal.computeIfAbsent(o.getAsInt(), k -> new ArrayList<>()).add(m);
            } else {
                unbacked.add(m);
            }
        }
        List<Finding> replicaFindings = new ArrayList<>();
        List<Finding> zombieFindings = new ArrayList<>();
        Map<Long, String> podOfMember = new LinkedHashMap<>();
        Map<String, String> podStatus = new LinkedHashMap<>();
        Set<Long> judgedLearners = new HashSet<>();
        int missing = 0;
        for (int i = 0; i < replicas; i++) {
            String pod = t.podName(i);
            Pod p = state.pods().get(pod);
            List<MemberInfo> claimants = byOrdinal.getOrDefault(i, List.of()).stream()
                    .sorted(Comparator.comparing((MemberInfo m) -> !pod.equals(m.name())).thenComparing(m -> !m.started())).toList();
            MemberInfo member = claimants.isEmpty() ? null : claimants.get(0);
            for (MemberInfo extra : claimants.subList(Math.min(1, claimants.size()), claimants.size())) {
                zombieFindings.add(zombie(extra, "it claims pod " + pod + ", which runs member " + member.label() + " (" + member.idHex() + ")", null));
                judgeLearner(extra, judgedLearners);
            }
            if (state.podsError() == null) {
                podStatus.put(pod, p == null ? "does not exist" : statusWord(p));
                replicaFindings.add(podFinding(pod, p, member));
            }
            if (member == null) {
                missing++;
                replicaFindings.add(missingMember(i, p));
                continue;
            }
            podOfMember.put(member.id(), pod);
            if (member.learner()) {
                judgedLearners.add(member.id());
                replicaFindings.add(learner(pod, member, p));
            }
        }
        for (MemberInfo m : unbacked) {
            OptionalInt o = ordinalOf(m);
            String beyond = o.isPresent() ? "it names ordinal " + o.getAsInt() + ", beyond the " + replicas
                    + " replicas: left over from a scale-down without member remove?" : "it names no pod of the StatefulSet";
            zombieFindings.add(zombie(m, beyond, o.isPresent() ? t.podName(o.getAsInt()) : null));
            judgeLearner(m, judgedLearners);
        }

        List<Finding> out = new ArrayList<>();
        if (state.podsError() != null) {
            out.add(Finding.warning("statefulset", Finding.CLUSTER, "could not list the pods of StatefulSet " + state.describe()
                    + ": " + state.podsError() + "; compared the member list only", "Let the job's ServiceAccount get and list pods in "
                    + t.namespace() + "."));
        } else if (missing == 0 && zombieFindings.isEmpty()) {
            out.add(Finding.ok("statefulset", Finding.CLUSTER, "StatefulSet " + state.describe() + ": " + replicas
                    + " replicas, each pod runs one member (" + String.join(", ", podOfMember.values()) + "), no other members"));
        }
        out.addAll(EtcdFlagFindings.findings(t, lowestMinor()));
        out.addAll(replicaFindings);
        out.addAll(zombieFindings);
        return new Result(out, podOfMember, podStatus, judgedLearners);
    }

    /** Only the pods' side, for when no member answers (there is no member list to compare with). */
    public static List<Finding> podFindings(StatefulSetState state) {
        if (state.podsError() != null) {
            return List.of();
        }
        StatefulSetComparison c = new StatefulSetComparison(state, new ClusterView(0, List.of(), List.of(), List.of()), 0);
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < c.t.replicas(); i++) {
            out.add(c.podFinding(c.t.podName(i), state.pods().get(c.t.podName(i)), null));
        }
        return out;
    }

    private static void judgeLearner(MemberInfo m, Set<Long> judged) {
        if (m.learner()) {
            judged.add(m.id());
        }
    }

    private Finding missingMember(int ordinal, Pod p) {
        String pod = t.podName(ordinal);
        int tolerance = MemberCondition.quorum(view).failureTolerance();
        String msg = "pod " + pod + " (ordinal " + ordinal + " of " + t.replicas() + " replicas) runs no etcd member: the cluster has "
                + view.members().size() + " member(s) for " + t.replicas() + " replicas"
                + (p == null ? "; the pod does not exist either" : "")
                + (tolerance <= 0 ? "; it tolerates no further failure" : "; it tolerates " + tolerance + " more failure(s)");
        String advice = (p == null ? "If the StatefulSet is still scaling up, wait for the pod; otherwise add" : "Add")
                + " it back: member-replacer (adds it as a learner on an empty volume, then promotes it), or by hand "
                + "etcdctl member add " + pod + " --learner --peer-urls=" + peerUrlFor(ordinal)
                + ", empty the pod's data dir, restart the pod, then etcdctl member promote.";
        return tolerance <= 0 ? Finding.critical("missing-member", pod, msg, advice) : Finding.warning("missing-member", pod, msg, advice);
    }

    private Finding zombie(MemberInfo m, String why, String podOfOrdinal) {
        MemberStatus s = view.status(m.id()).orElse(null);
        boolean down = s == null || !s.reachable();
        Pod lingering = podOfOrdinal == null ? null : state.pods().get(podOfOrdinal);
        String msg = (m.learner() ? "learner " : "voting member ") + m.label() + " (" + (m.started() ? "id " + m.idHex() + ", " : "never started, ")
                + "peer URLs " + m.peerUrls() + ") is run by no pod of StatefulSet " + state.describe() + ": " + why
                + (lingering != null ? "; pod " + podOfOrdinal + " still exists (scale-down in progress?)" : "")
                + (!m.learner() && down ? "; it is down and counts against quorum" : "");
        String advice = "Remove it: etcdctl member remove " + m.idHex()
                + (lingering != null ? " once pod " + podOfOrdinal + " is gone" : "")
                + " (first make sure no etcd outside the StatefulSet is meant to run it).";
        return Finding.warning("zombie-member", m.label(), msg, advice);
    }

    private Finding learner(String pod, MemberInfo m, Pod p) {
        MemberStatus s = view.status(m.id()).orElse(null);
        String who = "learner " + m.idHex() + " of pod " + pod;
        Long lag = view.leader().filter(MemberStatus::reachable)
                .map(l -> s == null || !s.reachable() ? null : Math.max(0, l.raftIndex() - s.raftIndex())).orElse(null);
        String podNote = p == null ? "; the pod does not exist" : podProblemsNote(p);
        if (m.started() && s != null && s.reachable() && lag != null && lag <= maxRaftLag) {
            return Finding.warning("learner", pod, who + " is in sync with the leader (" + lag + " entries behind) but was never "
                            + "promoted: the " + t.replicas() + " replicas give " + view.voters().size() + " voting members" + podNote,
                    "Promote it: etcdctl member promote " + m.idHex() + " (or run member-replacer, which finishes an interrupted replacement).");
        }
        String state = !m.started() ? "has not started (added but etcd never joined)"
                : s == null || !s.reachable() ? "is unreachable" + (s == null || s.error() == null ? "" : ": " + s.error())
                : lag == null ? "cannot be compared with a leader (none answers)"
                : "has not caught up: " + lag + " raft entries behind the leader";
        return Finding.warning("learner", pod, who + " " + state + podNote,
                "Do not promote it; check pod " + pod + " (kubectl logs " + pod + " -c " + t.etcdContainer()
                        + ", its disk and network); if it never catches up, replace it with member-replacer.");
    }

    private Finding podFinding(String pod, Pod p, MemberInfo member) {
        if (p == null) {
            return Finding.warning("pod", pod, "pod " + pod + " does not exist", "kubectl describe statefulset " + t.name()
                    + " -n " + t.namespace() + ": the controller cannot create it (volume claim, quota, scheduling).");
        }
        List<String> problems = StatefulSetState.podProblems(p);
        String runs = member != null ? " (runs " + (member.learner() ? "learner " : "member ") + member.label() + ")"
                : view.members().isEmpty() ? "" : " (runs no member)";
        if (problems.isEmpty()) {
            return Finding.ok("pod", pod, "pod " + pod + runs + " Ready");
        }
        String msg = "pod " + pod + runs + ": " + String.join(", ", problems);
        if (member != null && member.learner() && problems.equals(List.of("not Ready")) && readyzProbe(p)) {
            return Finding.ok("pod", pod, "pod " + pod + runs + " not Ready by design: etcd answers /readyz with 503 for a learner "
                    + "until it is promoted");
        }
        if (StatefulSetState.crashLooping(p)) {
            String advice = "Read why etcd exits: kubectl logs " + pod + " -c " + t.etcdContainer() + " --previous (a member removed "
                    + "from the cluster or a damaged data dir needs member-replacer).";
            boolean voter = member != null && !member.learner();
            return voter ? Finding.critical("pod", pod, msg + "; a voting member that keeps restarting counts against quorum", advice)
                    : Finding.warning("pod", pod, msg, advice);
        }
        return Finding.warning("pod", pod, msg, "kubectl describe pod " + pod + " -n " + t.namespace()
                + " (events, readiness probe); the member's own checks say whether etcd answers.");
    }

    /** The etcd container's readiness probe asks /readyz (which fails for learners by design). */
    private boolean readyzProbe(Pod p) {
        return p.getSpec() != null && p.getSpec().getContainers().stream().filter(c -> c.getName().equals(t.etcdContainer()))
                .anyMatch(c -> c.getReadinessProbe() != null && c.getReadinessProbe().getHttpGet() != null
                        && String.valueOf(c.getReadinessProbe().getHttpGet().getPath()).startsWith("/readyz"));
    }

    /** The lowest minor version any member runs (3.x), else the image tag's. */
    private Optional<Integer> lowestMinor() {
        Optional<Integer> running = view.versions().stream().map(StatefulSetComparison::minorOf).flatMap(Optional::stream)
                .min(Integer::compare);
        return running.isPresent() ? running : t.imageVersion().flatMap(StatefulSetComparison::minorOf);
    }

    static Optional<Integer> minorOf(String version) {
        java.util.regex.Matcher m = Pattern.compile("^v?3\\.(\\d+)").matcher(version == null ? "" : version);
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    private static String statusWord(Pod p) {
        List<String> problems = StatefulSetState.podProblems(p);
        return problems.isEmpty() ? "Ready" : String.join(", ", problems);
    }

    private static String podProblemsNote(Pod p) {
        List<String> problems = StatefulSetState.podProblems(p);
        return problems.isEmpty() ? "" : "; pod: " + String.join(", ", problems);
    }

    /** Which ordinal a member belongs to, by name, else by a peer URL's host (pod DNS name or pod IP); any ordinal. */
    OptionalInt ordinalOf(MemberInfo m) {
        if (m.name() != null) {
            Matcher byName = podName.matcher(m.name());
            if (byName.matches()) {
                return OptionalInt.of(Integer.parseInt(byName.group(1)));
            }
        }
        for (URI u : m.peerUrls()) {
            String host = u.getHost() == null ? "" : u.getHost();
            Matcher byHost = podName.matcher(host.split("\\.", 2)[0]);
            if (byHost.matches()) {
                return OptionalInt.of(Integer.parseInt(byHost.group(1)));
            }
            for (Pod p : state.pods().values()) {
                String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
                Matcher byPod = podName.matcher(p.getMetadata().getName());
                if (ip != null && ip.equals(host) && byPod.matches()) {
                    return OptionalInt.of(Integer.parseInt(byPod.group(1)));
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The peer URL a member for {@code ordinal} must be added with: what the other members advertise, with their pod
     * name swapped for this one (etcd refuses to start a member whose advertised peer URL differs from the added one),
     * else the StatefulSet's per-pod DNS name.
     */
    private URI peerUrlFor(int ordinal) {
        for (MemberInfo m : view.members()) {
            OptionalInt o = ordinalOf(m);
            for (URI u : m.peerUrls()) {
                String host = u.getHost() == null ? "" : u.getHost();
                String first = host.split("\\.", 2)[0];
                if (o.isPresent() && first.equals(t.podName(o.getAsInt()))) {
                    return URI.create(u.getScheme() + "://" + t.podName(ordinal) + host.substring(first.length()) + ":" + u.getPort());
                }
            }
        }
        return t.peerUrl(ordinal);
    }
}
