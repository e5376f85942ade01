package io.etcdops.replacer;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How one replica of the StatefulSet is doing, from both sides: its etcd member (in the member list, answering,
 * no errors, knows a leader, no CORRUPT alarm naming it) and its pod (exists, Ready, not crash-looping). A replica
 * with no problems is healthy; the problems are what the report and Events say.
 */
record MemberHealth(int ordinal, String pod, Optional<MemberInfo> member, List<String> problems) {

    boolean healthy() {
        return problems.isEmpty();
    }

    /** Assesses every ordinal below {@code replicas}; {@code pods} by name. */
    static List<MemberHealth> assess(StatefulSetTarget t, ClusterView view, Map<String, Pod> pods) {
        List<MemberHealth> out = new ArrayList<>();
        for (int i = 0; i < t.replicas(); i++) {
            String podName = t.podName(i);
            List<String> problems = new ArrayList<>();
            Optional<MemberInfo> member = memberOf(t, view, i);
            if (member.isEmpty()) {
                problems.add("not in etcd's member list");
            } else if (member.get().learner()) {
                problems.add("is a learner (not a voting member yet)");
            } else {
                MemberStatus s = view.status(member.get().id()).orElse(null);
                if (s == null || !s.reachable()) {
                    problems.add("etcd unreachable" + (s == null || s.error() == null ? "" : ": " + s.error()));
                } else if (!s.errors().isEmpty()) {
                    problems.add("etcd reports errors: " + String.join("; ", s.errors()));
                } else if (s.leaderId() == 0) {
                    problems.add("etcd has no leader");
                }
                for (Alarm a : view.alarms()) {
                    if (a.memberId() == member.get().id() && "CORRUPT".equals(a.type())) {
                        problems.add("CORRUPT alarm raised against it");
                    }
                }
            }
            problems.addAll(podProblems(pods.get(podName), podName));
            out.add(new MemberHealth(i, podName, member, List.copyOf(problems)));
        }
        return out;
    }

    static List<String> podProblems(Pod p, String podName) {
        List<String> problems = new ArrayList<>();
        if (p == null) {
            problems.add("pod " + podName + " does not exist");
            return problems;
        }
        if (p.getMetadata().getDeletionTimestamp() != null) {
            problems.add("pod " + podName + " is terminating");
        }
        boolean ready = p.getStatus() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!ready) {
            problems.add("pod " + podName + " is not Ready");
        }
        if (p.getStatus() != null) {
            for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
                if (cs.getState() != null && cs.getState().getWaiting() != null
                        && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason())) {
                    problems.add("container " + cs.getName() + " in CrashLoopBackOff (" + cs.getRestartCount() + " restarts)");
                }
            }
        }
        return problems;
    }

    /** The member of replica {@code ordinal}: its name is the pod's, or a peer URL names the pod's host. */
    static Optional<MemberInfo> memberOf(StatefulSetTarget t, ClusterView view, int ordinal) {
        return view.members().stream().filter(m -> ordinalOf(t, m).orElse(-1) == ordinal).findFirst();
    }

    /** Which replica a member belongs to, by its name or by the host of a peer URL; empty for foreign members. */
    static OptionalInt ordinalOf(StatefulSetTarget t, MemberInfo m) {
        for (int i = 0; i < t.replicas(); i++) {
            String pod = t.podName(i);
            if (pod.equals(m.name())) {
                return OptionalInt.of(i);
            }
            for (URI u : m.peerUrls()) {
                String host = u.getHost() == null ? "" : u.getHost();
                if (host.equals(pod) || host.startsWith(pod + ".")) {
                    return OptionalInt.of(i);
                }
            }
        }
        return OptionalInt.empty();
    }

    /** One line for the report and Events: {@code etcd-1: etcd unreachable: ...; pod etcd-1 is not Ready}. */
    String describe() {
        return pod + (member.map(m -> " (member " + m.idHex() + ")").orElse("")) + ": "
                + (healthy() ? "healthy" : String.join("; ", problems));
    }
}
