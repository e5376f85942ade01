package io.etcdops.testkit.kube;

import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;

/**
 * Starts {@link KubeSimulation#startOnControlPlane()} by hand, for debugging: applies the YAML files given as
 * arguments (namespace {@code default} unless they name one), prints the admin kubeconfig and a kubectl line, and
 * runs until stdin closes (Enter or Ctrl-D; Ctrl-C also stops every process through the JVM's shutdown hook).
 * An argument {@code etcd} applies etcd's docs StatefulSet ({@link EtcdStatefulSets#flagStyle()}) and waits for it.
 */
public final class RealClusterShell {
    private RealClusterShell() {
    }

    public static void main(String[] args) throws IOException {
        KubeSimulation sim = KubeSimulation.startOnControlPlane();
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
        for (String a : args) {
            if (a.equals("etcd")) {
                EtcdStatefulSets.flagStyle().objects().forEach(sim::apply);
                sim.awaitStatefulSetReady("etcd", Duration.ofSeconds(120));
            } else {
                sim.apply(new FileInputStream(a));
            }
        }
        var cp = sim.controlPlane();
        System.out.println("API server:  " + cp.server());
        System.out.println("kubectl:     " + cp.kubectl() + " --kubeconfig " + cp.adminKubeconfig() + " get pods -o wide");
        System.out.println("pod names:   " + sim.network().hostsFile() + " (etcd-0.etcd -> " + sim.podIp("etcd-0") + ")");
        System.out.println("Enter stops everything.");
        System.in.read();
        System.exit(0);
    }
}
