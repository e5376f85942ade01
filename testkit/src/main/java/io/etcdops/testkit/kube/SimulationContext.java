package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.util.List;

/** What the simulation's parts share: the API client, network, storage, images and where errors go. */
interface SimulationContext {
    KubernetesClient client();

    PodNetwork network();

    Volumes volumes();

    ContainerImages images();

    /** The simulation's temp folder; everything it writes is under it. */
    Path root();

    Path logsDir();

    /** {@code [unshare, -m]} or {@code [unshare, -rm]}: how etcd gets a private mount namespace for the hosts file. */
    List<String> unshareCommand();

    /** A kubeconfig for a pod's JVM in {@code namespace}, pointing at the mock API server. */
    Path kubeconfig(String namespace);

    /** Records something the simulation could not do (shown by {@link KubeSimulation#errors()}). */
    void reportError(String message);
}
