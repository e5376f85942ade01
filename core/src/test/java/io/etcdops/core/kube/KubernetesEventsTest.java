package io.etcdops.core.kube;

import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Events land on the StatefulSet (what kubectl describe shows); in-cluster detection reads env and the SA mount. */
class KubernetesEventsTest {

    @Test
    void eventsAreRecordedOnTheStatefulSet() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            var sts = Fixtures.statefulSet(Fixtures.NOT_ETCD);
            sts.getSpec().setReplicas(0);
            String uid = sim.apply(sts).getMetadata().getUid();
            KubernetesEvents events = new KubernetesEvents(sim.client(), "default", "web", "etcd-ops-restore", "restore-now-x2k9q");

            events.normal("RestoreStarted", "restoring snapshot etcd/20261124T100000Z-r42.db into 3 members");
            events.warning("RestoreFailed", "x".repeat(5000));

            List<Event> written = sim.client().v1().events().inNamespace("default").list().getItems();
            assertThat(written).hasSize(2).allSatisfy(e -> {
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("StatefulSet");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
                assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid);
                assertThat(e.getSource().getComponent()).isEqualTo("etcd-ops-restore");
                assertThat(e.getReportingInstance()).isEqualTo("restore-now-x2k9q");
            });
            assertThat(written).extracting(Event::getType, Event::getReason)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("Normal", "RestoreStarted"),
                            org.assertj.core.groups.Tuple.tuple("Warning", "RestoreFailed"));
            assertThat(written).allSatisfy(e -> assertThat(e.getMessage().length()).isLessThanOrEqualTo(1024));
        }
    }

    @Test
    void anEventThatCannotBeWrittenNeverFailsTheJob() {
        KubeSimulation sim = KubeSimulation.start();
        var client = sim.client();
        sim.close();
        assertThat(new KubernetesEvents(client, "default", "etcd", "etcd-ops-upgrade", "me").emit("Normal", "UpgradeStarted", "m")).isNull();
    }

    @Test
    void inClusterMeansServiceEnvAndAMountedServiceAccount(@TempDir Path sa) throws Exception {
        Map<String, String> podEnv = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1", "HOSTNAME", "restore-now-x2k9q");
        assertThat(new KubernetesEnvironment(podEnv::get, sa).inCluster()).as("no token mounted").isFalse();

        Files.writeString(sa.resolve("token"), "eyJ...");
        Files.writeString(sa.resolve("namespace"), "etcd-system\n");
        KubernetesEnvironment pod = new KubernetesEnvironment(podEnv::get, sa);
        assertThat(pod.inCluster()).isTrue();
        assertThat(pod.podNamespace()).contains("etcd-system");
        assertThat(pod.identity()).isEqualTo("restore-now-x2k9q");
        assertThat(new KubernetesEnvironment(Map.of("POD_NAME", "upgrade-abc12", "KUBERNETES_SERVICE_HOST", "10.96.0.1")::get, sa).identity())
                .isEqualTo("upgrade-abc12");

        KubernetesEnvironment vm = new KubernetesEnvironment(Map.of("HOSTNAME", "etcd-vm-1")::get, sa);
        assertThat(vm.inCluster()).isFalse();
        assertThat(vm.podNamespace()).isEmpty();
        assertThat(vm.identity()).isEqualTo("etcd-vm-1/" + ProcessHandle.current().pid());
    }
}
