package io.etcdops.testkit.kube;

/**
 * A container whose configuration cannot be resolved yet (a missing Secret, ConfigMap or PVC), shown as waiting
 * reason {@value #REASON} like Kubernetes does; the kubelet retries, so creating the object later lets the pod start.
 */
final class ContainerConfigException extends RuntimeException {
    static final String REASON = "CreateContainerConfigError";

    ContainerConfigException(String message) {
        super(message);
    }
}
