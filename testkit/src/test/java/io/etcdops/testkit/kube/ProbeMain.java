package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-in for an etcd-ops image's main class, run by the simulation in a child JVM: it reports what a container
 * sees (args, env, DNS, the API through KUBECONFIG) into a file and exits with the code it is given.
 * Args: OUTPUT_FILE DNS_NAME CONFIGMAP EXIT_CODE.
 */
public final class ProbeMain {
    private ProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        StringBuilder sb = new StringBuilder();
        sb.append("pod=").append(System.getenv("POD_NAME")).append('\n');
        sb.append("greeting=").append(System.getenv("GREETING")).append('\n');
        sb.append("resolved=").append(InetAddress.getByName(args[1]).getHostAddress()).append('\n');
        try (KubernetesClient k = new KubernetesClientBuilder().build()) {
            sb.append("namespace=").append(k.getNamespace()).append('\n');
            sb.append("configmap=").append(k.configMaps().withName(args[2]).get().getData().get("key")).append('\n');
        }
        Files.writeString(Path.of(args[0]), sb.toString());
        System.out.println("wrote " + args[0]);
        System.exit(Integer.parseInt(args[3]));
    }
}
