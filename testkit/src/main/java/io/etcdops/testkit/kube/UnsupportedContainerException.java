package io.etcdops.testkit.kube;

/**
 * A container the simulation cannot run (unknown image, a shell script, a missing etcd version). It is shown on the
 * pod as waiting reason {@value #REASON} with this message, recorded in {@link KubeSimulation#errors()}, and makes
 * every {@code await...} on that pod fail at once.
 */
public final class UnsupportedContainerException extends RuntimeException {
    public static final String REASON = "SimulationUnsupported";

    public UnsupportedContainerException(String message) {
        super(message);
    }
}
