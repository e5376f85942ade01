package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the simulation's parts share: the API client, network, storage, images and where errors go. The defaults are
 * the mock-based simulation's; on the real control plane {@link NodeAgent} supplies the node's side.
 */
interface SimulationContext {
    /** The client the kubelet acts with: the mock's, or the node's own credentials on the real control plane. */
    KubernetesClient client();

    PodNetwork network();

    Volumes volumes();

    ContainerImages images();

    /** The simulation's temp folder; everything it writes is under it. */
    Path root();

    Path logsDir();

    /** {@code [unshare, -m]} or {@code [unshare, -rm]}: how etcd gets a private mount namespace for the hosts file. */
    List<String> unshareCommand();

    /** A kubeconfig for a pod's JVM in {@code namespace}, pointing at the mock API server; null: in-cluster config. */
    Path kubeconfig(String namespace);

    /** Records something the simulation could not do (shown by {@link KubeSimulation#errors()}). */
    void reportError(String message);

    /**
     * True on the real control plane: no kubelet finalizer (the node deletes a stopped pod with grace 0), no PVC
     * protection here (the real controller does it), liveness probes run, JVM containers use the in-cluster config.
     */
    default boolean onControlPlane() {
        return false;
    }

    default String nodeName() {
        return KubeSimulation.NODE_NAME;
    }

    /** The pods this node runs. */
    default List<Pod> podsOnNode() {
        return client().pods().inAnyNamespace().list().getItems();
    }

    /** The host folder behind a claim the pod mounts. */
    default Path claimDir(PersistentVolumeClaim pvc) {
        return volumes().claimDir(pvc);
    }

    /** The environment every container gets first ({@code KUBERNETES_SERVICE_HOST}, ...). */
    default Map<String, String> serviceEnv() {
        return Map.of();
    }

    /** A token for the pod's ServiceAccount from the TokenRequest API, bound to the pod. */
    default String serviceAccountToken(Pod pod, String audience, Long expirationSeconds) {
        throw new UnsupportedContainerException("pod " + pod.getMetadata().getName() + ": projected serviceAccountToken "
                + "volumes need a real API server (KubeSimulation.startOnControlPlane())");
    }
}
