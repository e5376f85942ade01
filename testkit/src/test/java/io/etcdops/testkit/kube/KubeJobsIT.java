package io.etcdops.testkit.kube;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Jobs run to completion on real binaries and registered JVM mains; what cannot run says so on the pod. */
class KubeJobsIT {
    private static final Duration DONE = Duration.ofSeconds(90);

    @Test
    void jobsRunEtcdToolsAndRegisteredJvmMainsToCompletionOrFailure() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            sim.images().registerJvmMain("ghcr.io/etcd-ops/probe", ProbeMain.class.getName());
            sim.network().registerPod("default", "etcd-0", "etcd");
            sim.apply(Serialization.unmarshal("""
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata: {name: out}
                    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
                    """, PersistentVolumeClaim.class));
            sim.apply(new ConfigMapBuilder().withNewMetadata().withName("settings").endMetadata().addToData("key", "from-the-api").build());

            sim.apply(job("etcdutl-version", EtcdStatefulSets.image(EtcdBinaries.DEFAULT), "[etcdutl]", "[version]", 6));
            sim.apply(job("probe-ok", "ghcr.io/etcd-ops/probe:0.1.0", "[]",
                    "[/out/report.txt, etcd-0.etcd.default.svc.cluster.local, settings, '0']", 6));
            sim.apply(job("probe-fails", "ghcr.io/etcd-ops/probe:0.1.0", "[]",
                    "[/out/failed.txt, etcd-0.etcd, settings, '3']", 1));

            Job version = sim.awaitJobFinished("etcdutl-version", DONE);
            assertThat(version.getStatus().getSucceeded()).isEqualTo(1);
            Pod versionPod = sim.client().pods().withLabel(JobController.JOB_NAME_LABEL, "etcdutl-version").list().getItems().get(0);
            assertThat(sim.logs(versionPod.getMetadata().getName(), "main")).contains(EtcdBinaries.DEFAULT);

            Job ok = sim.awaitJobFinished("probe-ok", DONE);
            assertThat(ok.getStatus().getSucceeded()).isEqualTo(1);
            Path out = sim.volumeDir("out").orElseThrow();
            Pod okPod = sim.client().pods().withLabel(JobController.JOB_NAME_LABEL, "probe-ok").list().getItems().get(0);
            assertThat(out.resolve("report.txt")).hasContent(String.join("\n",
                    "pod=" + okPod.getMetadata().getName(),
                    "greeting=hello " + okPod.getMetadata().getName(),
                    "resolved=" + sim.podIp("etcd-0"),
                    "namespace=default",
                    "configmap=from-the-api", ""));

            Job failed = sim.awaitJobFinished("probe-fails", DONE);
            assertThat(failed.getStatus().getFailed()).as("backoffLimit 1: two pods failed").isEqualTo(2);
            assertThat(failed.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Failed");
                assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded");
            });
            assertThat(sim.client().pods().withLabel(JobController.JOB_NAME_LABEL, "probe-fails").list().getItems())
                    .hasSize(2).allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Failed"));
        }
    }

    @Test
    void whatTheSimulationCannotRunFailsExplicitlyOnThePod() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            sim.apply(Serialization.unmarshal("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: bitnami-0}
                    spec:
                      containers:
                      - name: etcd
                        image: docker.io/bitnami/etcd:3.6.16-debian-12-r0
                        env: [{name: ETCD_NAME, value: bitnami-0}]
                    """, Pod.class));
            assertThatThrownBy(() -> sim.awaitPodReady("bitnami-0", DONE))
                    .isInstanceOf(UnsupportedContainerException.class)
                    .hasMessageContaining("Bitnami image's shell scripts");
            Poll.until("waiting reason on the pod", DONE, () -> {
                Pod p = sim.client().pods().withName("bitnami-0").get();
                return p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty()
                        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                        && UnsupportedContainerException.REASON.equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason());
            }, () -> sim.describePods("bitnami"));
            assertThat(sim.errors()).singleElement().asString().contains("/opt/bitnami/scripts/etcd/entrypoint.sh");
        }
    }

    private static Job job(String name, String image, String command, String args, int backoffLimit) {
        return Serialization.unmarshal("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: %s}
                spec:
                  backoffLimit: %d
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: %s
                        command: %s
                        args: %s
                        env:
                        - name: POD_NAME
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                        - name: GREETING
                          value: hello $(POD_NAME)
                        volumeMounts: [{name: out, mountPath: /out}]
                      volumes:
                      - name: out
                        persistentVolumeClaim: {claimName: out}
                """.formatted(name, backoffLimit, image, command, args), Job.class);
    }
}
