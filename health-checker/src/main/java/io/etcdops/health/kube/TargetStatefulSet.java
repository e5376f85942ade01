package io.etcdops.health.kube;

import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.core.runtime.JobException;
import io.etcdops.health.action.ClusterLock;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The StatefulSet a {@code --statefulset} run targets, and what the run does with it: dial its members at the per-pod
 * client URLs, look at it and its pods next to etcd's member list ({@link #look()}), take its cluster Lease for actions
 * ({@link #lock()}) and write Events on it ({@link #events()}).
 */
public final class TargetStatefulSet {
    public static final String COMPONENT = "etcd-ops-health-checker";
    private static final Logger LOG = LoggerFactory.getLogger(TargetStatefulSet.class);

    private final KubernetesClient client;
    private final EndpointResolver resolver;
    private final TargetOverrides overrides;
    private final String identity;
    private final StatefulSetTarget discovered;
    private final KubernetesEvents events;

    /**
     * Discovers the StatefulSet (a missing or unreadable one is a usage error, exit 2).
     *
     * @param identity who this run is (the Lease holder and the Events' reporting instance)
     */
    public TargetStatefulSet(KubernetesClient client, EndpointResolver resolver, String namespace, String name,
                             TargetOverrides overrides, String identity) {
        this.client = client;
        this.resolver = resolver;
        this.overrides = overrides;
        this.identity = identity;
        this.discovered = StatefulSetTarget.discover(client, namespace, name, overrides);
        this.events = KubernetesEvents.on(client, discovered, COMPONENT, identity);
    }

    public StatefulSetTarget target() {
        return discovered;
    }

    public EndpointResolver resolver() {
        return resolver;
    }

    /** The members' client URLs to dial (per-pod DNS names, or --target-endpoints), through the resolver. */
    public List<URI> endpoints() {
        return discovered.clientEndpoints(resolver);
    }

    /**
     * Reads the StatefulSet again (replicas may have changed since the start) and lists its pods by its selector. A
     * StatefulSet that went away is compared as discovered; pods that cannot be listed are an error in the state, not
     * a failed run.
     */
    public StatefulSetState look() {
        StatefulSetTarget t = discovered;
        try {
            t = StatefulSetTarget.discover(client, discovered.namespace(), discovered.name(), overrides);
        } catch (JobException e) {
            LOG.warn("re-reading StatefulSet {}/{} failed, comparing with what was discovered at the start: {}",
                    discovered.namespace(), discovered.name(), e.getMessage());
        }
        Map<String, Pod> pods = new TreeMap<>();
        try {
            LabelSelector selector = t.statefulSet().getSpec().getSelector();
            List<Pod> items = selector == null || selector.getMatchLabels() == null
                    ? t.podNames().stream().map(n -> client.pods().inNamespace(discovered.namespace()).withName(n).get()).toList()
                    : client.pods().inNamespace(discovered.namespace()).withLabels(selector.getMatchLabels()).list().getItems();
            String ordinalPod = java.util.regex.Pattern.quote(t.name()) + "-\\d+";
            for (Pod p : items) {
                if (p != null && p.getMetadata().getName().matches(ordinalPod)) {
                    pods.put(p.getMetadata().getName(), p);
                }
            }
            return new StatefulSetState(t, pods, null);
        } catch (KubernetesClientException e) {
            String why = e.getCode() == 403 ? "forbidden (the ServiceAccount needs get and list on pods)" : e.getMessage();
            LOG.warn("cannot list the pods of StatefulSet {}/{}: {}", t.namespace(), t.name(), why);
            return new StatefulSetState(t, Map.of(), why);
        }
    }

    /** The cluster lock for actions: the StatefulSet's {@code etcd-ops-<name>} Lease. */
    public ClusterLock lock() {
        return new LeaseClusterLock(ClusterLease.of(client, discovered, identity), discovered.namespace());
    }

    public KubernetesEvents events() {
        return events;
    }
}
