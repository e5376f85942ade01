package io.etcdops.backup;

import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.jobs.JobProcess;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backup outcomes become Kubernetes Events on the etcd StatefulSet. The API server is fabric8's mock in CRUD mode
 * (no kube-apiserver runs here); backup-job reaches it through fabric8's standard KUBERNETES_MASTER configuration.
 * etcd 3.6.16.
 */
class BackupEventsIT {

    @Test
    void failureAndSuccessAreReportedAsEventsOnTheStatefulSet(@TempDir Path tmp) {
        try (KubeSimulation sim = KubeSimulation.start(); EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            sim.client().apps().statefulSets().resource(new StatefulSetBuilder().withNewMetadata().withName("etcd")
                    .withNamespace("default").endMetadata().withNewSpec().withReplicas(0).withServiceName("etcd")
                    .withNewSelector().addToMatchLabels("app", "etcd").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "etcd").endMetadata()
                    .withNewSpec().addNewContainer().withName("etcd").withImage("quay.io/coreos/etcd:v3.6.16").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
            JobProcess job = JobProcess.of(BackupJob.class.getName()).env("KUBERNETES_MASTER", sim.apiUrl())
                    .env("KUBERNETES_NAMESPACE", "default").env("KUBERNETES_AUTH_TRYKUBECONFIG", "false")
                    .env("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false").env("ETCD_OPS_STATEFULSET", "etcd");

            JobProcess.Result failed = job.run("--endpoints", "http://127.0.0.1:" + FreePorts.next(), "--dial-timeout", "1s",
                    "--store", "file://" + tmp.resolve("s"));
            assertThat(failed.exitCode()).isEqualTo(1);
            JobProcess.Result ok = job.run("--endpoints", cluster.endpoints(), "--store", "file://" + tmp.resolve("s"));
            assertThat(ok.exitCode()).as(ok.toString()).isZero();

            List<Event> events = sim.client().v1().events().inNamespace("default").list().getItems();
            assertThat(events).filteredOn(e -> "BackupFailed".equals(e.getReason())).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("StatefulSet");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("etcd");
                assertThat(e.getMessage()).contains("connection refused").doesNotContain("\n");
            });
            assertThat(events).filteredOn(e -> "BackupSucceeded".equals(e.getReason())).singleElement()
                    .satisfies(e -> assertThat(e.getType()).isEqualTo("Normal"));
        }
    }
}
