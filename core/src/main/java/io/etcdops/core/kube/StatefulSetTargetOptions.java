package io.etcdops.core.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;

/**
 * The Kubernetes target options every job that acts on a StatefulSet shares (a picocli mixin): which StatefulSet, in
 * which namespace, and the overrides for anything discovery gets wrong or cannot see ({@link TargetOverrides}).
 */
public class StatefulSetTargetOptions {
    public static final String STATEFULSET = "--statefulset";
    public static final String STATEFULSET_ENV = "ETCD_OPS_STATEFULSET";
    public static final String NAMESPACE = "--namespace";

    @Option(names = STATEFULSET, paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_STATEFULSET}",
            description = "The etcd StatefulSet to act on (env ETCD_OPS_STATEFULSET).")
    public String statefulSet;

    @Option(names = NAMESPACE, paramLabel = "NS", defaultValue = "${env:ETCD_OPS_NAMESPACE}",
            description = "Its namespace (env ETCD_OPS_NAMESPACE; default: the job pod's own namespace, else the kubeconfig's).")
    public String namespace;

    @Option(names = TargetOverrides.ETCD_CONTAINER, paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_ETCD_CONTAINER}",
            description = "The container that runs etcd, if discovery cannot tell (env ETCD_OPS_ETCD_CONTAINER).")
    String etcdContainer;

    @Option(names = TargetOverrides.SERVICE, paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_SERVICE}",
            description = "Headless service naming the pods (default: spec.serviceName) (env ETCD_OPS_SERVICE).")
    String service;

    @Option(names = TargetOverrides.CLUSTER_DOMAIN, paramLabel = "DOMAIN", defaultValue = "${env:ETCD_OPS_CLUSTER_DOMAIN}",
            description = "Cluster DNS domain (default: from etcd's advertised URLs, else cluster.local) (env ETCD_OPS_CLUSTER_DOMAIN).")
    String clusterDomain;

    @Option(names = TargetOverrides.CLIENT_SCHEME, paramLabel = "http|https", defaultValue = "${env:ETCD_OPS_CLIENT_SCHEME}",
            description = "Client URL scheme (default: discovered) (env ETCD_OPS_CLIENT_SCHEME).")
    String clientScheme;

    @Option(names = TargetOverrides.CLIENT_PORT, paramLabel = "PORT", defaultValue = "${env:ETCD_OPS_CLIENT_PORT}",
            description = "Client port (default: discovered) (env ETCD_OPS_CLIENT_PORT).")
    String clientPort;

    @Option(names = TargetOverrides.PEER_SCHEME, paramLabel = "http|https", defaultValue = "${env:ETCD_OPS_PEER_SCHEME}",
            description = "Peer URL scheme (default: discovered) (env ETCD_OPS_PEER_SCHEME).")
    String peerScheme;

    @Option(names = TargetOverrides.PEER_PORT, paramLabel = "PORT", defaultValue = "${env:ETCD_OPS_PEER_PORT}",
            description = "Peer port (default: discovered) (env ETCD_OPS_PEER_PORT).")
    String peerPort;

    @Option(names = TargetOverrides.DATA_DIR, paramLabel = "PATH", defaultValue = "${env:ETCD_OPS_DATA_DIR}",
            description = "etcd's data dir inside its container (default: discovered) (env ETCD_OPS_DATA_DIR).")
    String dataDir;

    @Option(names = TargetOverrides.DATA_VOLUME, paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_DATA_VOLUME}",
            description = "The volumeClaimTemplate holding the data dir (default: discovered) (env ETCD_OPS_DATA_VOLUME).")
    String dataVolume;

    @Option(names = TargetOverrides.ETCD_VERSION, paramLabel = "X.Y.Z", defaultValue = "${env:ETCD_OPS_ETCD_VERSION}",
            description = "etcd version when the image tag does not name one (env ETCD_OPS_ETCD_VERSION).")
    String etcdVersion;

    @Option(names = TargetOverrides.TARGET_ENDPOINTS, paramLabel = "URLS", defaultValue = "${env:ETCD_OPS_TARGET_ENDPOINTS}",
            description = "Members' client URLs in ordinal order, instead of the per-pod DNS names (env ETCD_OPS_TARGET_ENDPOINTS).")
    String targetEndpoints;

    public TargetOverrides toOverrides() {
        Map<String, String> m = new HashMap<>();
        put(m, TargetOverrides.ETCD_CONTAINER, etcdContainer);
        put(m, TargetOverrides.SERVICE, service);
        put(m, TargetOverrides.CLUSTER_DOMAIN, clusterDomain);
        put(m, TargetOverrides.CLIENT_SCHEME, clientScheme);
        put(m, TargetOverrides.CLIENT_PORT, clientPort);
        put(m, TargetOverrides.PEER_SCHEME, peerScheme);
        put(m, TargetOverrides.PEER_PORT, peerPort);
        put(m, TargetOverrides.DATA_DIR, dataDir);
        put(m, TargetOverrides.DATA_VOLUME, dataVolume);
        put(m, TargetOverrides.ETCD_VERSION, etcdVersion);
        put(m, TargetOverrides.TARGET_ENDPOINTS, targetEndpoints);
        return TargetOverrides.of(m);
    }

    /** {@link #NAMESPACE}, else the pod's own namespace (in cluster), else the client's (kubeconfig). */
    public String namespace(KubernetesClient client, KubernetesEnvironment env) {
        return namespaceOf(namespace, client, env);
    }

    /** The one namespace rule of every job: {@code given}, else the pod's own (in cluster), else the kubeconfig's. */
    static String namespaceOf(String given, KubernetesClient client, KubernetesEnvironment env) {
        if (given != null && !given.isBlank()) {
            return given.trim();
        }
        return env.podNamespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    }

    /** Discovers the target with these options. */
    public StatefulSetTarget discover(KubernetesClient client, KubernetesEnvironment env) {
        return StatefulSetTarget.discover(client, namespace(client, env), statefulSet, toOverrides());
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null && !v.isBlank()) {
            m.put(k, v);
        }
    }
}
