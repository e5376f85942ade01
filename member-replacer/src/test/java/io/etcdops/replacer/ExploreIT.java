package io.etcdops.replacer;

import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

class ExploreIT {
    @Test
    void explore() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", Duration.ofSeconds(90));
            var k = sim.client();
            var sts = k.apps().statefulSets().withName("etcd").get();
            System.out.println("GEN before " + sts.getMetadata().getGeneration() + " obs " + sts.getStatus().getObservedGeneration());
            k.apps().statefulSets().withName("etcd").edit(s -> { s.getMetadata().getAnnotations().put("x", "y"); return s; });
            sts = k.apps().statefulSets().withName("etcd").get();
            System.out.println("GEN after annotate " + sts.getMetadata().getGeneration() + " obs " + sts.getStatus().getObservedGeneration());
            k.pods().withName("etcd-1").edit(p -> { p.getMetadata().getFinalizers().add("etcd-ops.io/member-replacer"); return p; });
            long pid = sim.pid("etcd-1", "etcd").orElseThrow();
            k.pods().withName("etcd-1").delete();
            for (int i = 0; i < 40; i++) {
                Pod p = k.pods().withName("etcd-1").get();
                System.out.println(i + " pod " + (p == null ? null : p.getMetadata().getUid() + " del=" + p.getMetadata().getDeletionTimestamp()
                        + " grace=" + p.getMetadata().getDeletionGracePeriodSeconds() + " fin=" + p.getMetadata().getFinalizers()
                        + " phase=" + p.getStatus().getPhase()) + " alive=" + ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
                Thread.sleep(500);
            }
            Pod p = k.pods().withName("etcd-1").get();
            System.out.println(Serialization.asYaml(p.getStatus()));
        }
    }
}
