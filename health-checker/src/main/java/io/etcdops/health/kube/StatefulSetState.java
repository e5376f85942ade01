package io.etcdops.health.kube;

import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One look at the target StatefulSet, taken next to etcd's member list: the StatefulSet as discovered (replicas, pod
 * names, container) and its pods by name — every pod its selector matches, so also a pod above the replica count
 * that a scale-down has not removed yet.
 *
 * @param podsError why the pods could not be listed (e.g. RBAC), else null; {@code pods} is then empty
 */
public record StatefulSetState(StatefulSetTarget target, Map<String, Pod> pods, String podsError) {

    public StatefulSetState {
        pods = Map.copyOf(pods);
    }

    public String describe() {
        return target.namespace() + "/" + target.name();
    }

    /** What is wrong with a pod, from Kubernetes' side (empty: it exists, is not terminating, is Ready, no crash loop). */
    public static List<String> podProblems(Pod p) {
        List<String> problems = new ArrayList<>();
        if (p.getMetadata().getDeletionTimestamp() != null) {
            problems.add("terminating");
        }
        if (!ready(p)) {
            problems.add("not Ready");
        }
        if (p.getStatus() != null) {
            Stream.concat(p.getStatus().getInitContainerStatuses().stream(), p.getStatus().getContainerStatuses().stream())
                    .filter(StatefulSetState::crashLooping)
                    .forEach(cs -> problems.add("container " + cs.getName() + " in CrashLoopBackOff (" + cs.getRestartCount() + " restarts)"));
        }
        return problems;
    }

    public static boolean crashLooping(Pod p) {
        return p.getStatus() != null && Stream.concat(p.getStatus().getInitContainerStatuses().stream(),
                p.getStatus().getContainerStatuses().stream()).anyMatch(StatefulSetState::crashLooping);
    }

    private static boolean crashLooping(ContainerStatus cs) {
        return cs.getState() != null && cs.getState().getWaiting() != null
                && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason());
    }

    private static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
