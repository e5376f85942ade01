package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A stand-in for an etcd-ops job's main, run by the node agent in a child JVM on the real control plane: fabric8's
 * own auto-configuration (no kubeconfig: the in-cluster ServiceAccount files) reads one ConfigMap its Role grants and
 * lists Secrets, which no Role grants. Prints what it saw; exits 0 only if the first worked and the second was 403.
 * Args: CONFIGMAP.
 */
public final class TokenProbeMain {
    private TokenProbeMain() {
    }

    public static void main(String[] args) {
        int code = 1;
        try (KubernetesClient k = new KubernetesClientBuilder().build()) {
            System.out.println("master=" + k.getConfiguration().getMasterUrl());
            System.out.println("namespace=" + k.getNamespace());
            System.out.println("configmap=" + k.configMaps().withName(args[0]).get().getData().get("key"));
            try {
                k.secrets().list();
                System.out.println("secrets=listed");
            } catch (KubernetesClientException e) {
                System.out.println("secrets=" + e.getCode() + " " + e.getStatus().getMessage());
                code = e.getCode() == 403 ? 0 : 1;
            }
        } catch (RuntimeException e) {
            System.out.println("failed=" + e);
        }
        System.exit(code);
    }
}
