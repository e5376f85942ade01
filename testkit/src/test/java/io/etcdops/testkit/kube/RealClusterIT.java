package io.etcdops.testkit.kube;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.Exec;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The node agent on the <b>real</b> control plane (kube-apiserver and kube-controller-manager 1.36.3 on etcd 3.6.16):
 * the real StatefulSet, Job and CronJob controllers, RBAC, admission and PV binder act; what is simulated is only the
 * node (processes instead of containers, 127.x addresses instead of a pod network). Every etcd is the real 3.6.16.
 */
class RealClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static KubeSimulation sim;

    @BeforeAll
    static void start() {
        sim = KubeSimulation.startOnControlPlane();
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void etcdDocsStatefulSetGetsReadyAndADeletedPodComesBackOnItsVolumeWithItsData() {
        KubernetesClient admin = sim.client();
        EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_6).objects().forEach(sim::apply);
        sim.awaitStatefulSetReady("etcd", WAIT);

        Node node = admin.nodes().withName(KubeSimulation.NODE_NAME).get();
        assertThat(node.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("True");
        });
        assertThat(node.getStatus().getAddresses()).as("only loopback: the API server dials nothing else")
                .singleElement().satisfies(a -> assertThat(a.getAddress()).isEqualTo("127.0.0.1"));
        assertThat(admin.leases().inNamespace("kube-node-lease").withName(KubeSimulation.NODE_NAME).get().getSpec().getHolderIdentity())
                .isEqualTo(KubeSimulation.NODE_NAME);
        for (int i = 0; i < 3; i++) {
            Pod p = admin.pods().withName("etcd-" + i).get();
            assertThat(p.getSpec().getNodeName()).isEqualTo(KubeSimulation.NODE_NAME);
            assertThat(p.getStatus().getPodIP()).isEqualTo(sim.podIp("etcd-" + i)).startsWith("127.");
            PersistentVolumeClaim pvc = admin.persistentVolumeClaims().withName("etcd-data-etcd-" + i).get();
            assertThat(pvc.getStatus().getPhase()).as("bound by the real PV binder").isEqualTo("Bound");
            PersistentVolume pv = admin.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get();
            assertThat(pv.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/provisioned-by", NodeAgent.PROVISIONER);
            assertThat(sim.volumeDir("etcd-data-etcd-" + i)).get().isEqualTo(Path.of(pv.getSpec().getHostPath().getPath()));
        }

        String all = String.join(",", List.of(0, 1, 2).stream().map(i -> "http://" + sim.podIp("etcd-" + i) + ":2379").toList());
        assertThat(etcdctl(all, "put", "real-cluster", "survives")).contains("OK");
        Pod before = admin.pods().withName("etcd-1").get();
        Path volume = sim.volumeDir("etcd-data-etcd-1").orElseThrow();
        long pidBefore = sim.pid("etcd-1", "etcd").orElseThrow();

        admin.pods().withName("etcd-1").delete();
        sim.awaitPodGone("etcd-1", before.getMetadata().getUid(), WAIT);
        assertThat(ProcessHandle.of(pidBefore).map(ProcessHandle::isAlive).orElse(false)).as("the old pod's etcd was stopped").isFalse();
        Pod after = sim.awaitPodReady("etcd-1", WAIT);
        assertThat(after.getMetadata().getUid()).as("recreated by the real StatefulSet controller").isNotEqualTo(before.getMetadata().getUid());
        assertThat(sim.volumeDir("etcd-data-etcd-1")).get().isEqualTo(volume);
        String one = "http://" + sim.podIp("etcd-1") + ":2379";
        assertThat(etcdctl(one, "get", "real-cluster", "--print-value-only", "--consistency=s"))
                .as("the member's own data, from its volume").contains("survives");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theNodeActsAsSystemNodeAndTheNodeAuthorizerLimitsItToItsOwnPods() {
        String review = sim.nodeClient().raw("/apis/authentication.k8s.io/v1/selfsubjectreviews", "POST",
                java.util.Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "SelfSubjectReview"));
        var user = (java.util.Map<String, Object>) ((java.util.Map<String, Object>) Serialization.unmarshal(review, java.util.Map.class)
                .get("status")).get("userInfo");
        assertThat(user.get("username")).isEqualTo("system:node:" + KubeSimulation.NODE_NAME);
        assertThat((List<String>) user.get("groups")).contains("system:nodes");
        sim.apply(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("no-pod-mounts-it").endMetadata()
                .addToStringData("k", "v").build());
        assertThatThrownBy(() -> sim.nodeClient().secrets().withName("no-pod-mounts-it").get())
                .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
                .satisfies(e -> assertThat(((io.fabric8.kubernetes.client.KubernetesClientException) e).getCode()).isEqualTo(403));
    }

    @Test
    void aJobPodTalksToTheApiServerAsItsOwnServiceAccount() {
        KubernetesClient admin = sim.client();
        sim.images().registerJvmMain("ghcr.io/etcd-ops/token-probe", TokenProbeMain.class.getName());
        sim.apply(new ServiceAccountBuilder().withNewMetadata().withName("reader").endMetadata().build());
        sim.apply(new ConfigMapBuilder().withNewMetadata().withName("granted").endMetadata().addToData("key", "readable").build());
        sim.apply(new RoleBuilder().withNewMetadata().withName("read-granted").endMetadata().addNewRule().withApiGroups("")
                .withResources("configmaps").withResourceNames("granted").withVerbs("get").endRule().build());
        sim.apply(new RoleBindingBuilder().withNewMetadata().withName("reader").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "read-granted")
                .addNewSubject().withKind("ServiceAccount").withName("reader").withNamespace("default").endSubject().build());
        sim.apply(Serialization.unmarshal("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: token-probe}
                spec:
                  backoffLimit: 0
                  template:
                    spec:
                      serviceAccountName: reader
                      restartPolicy: Never
                      containers:
                      - {name: main, image: "ghcr.io/etcd-ops/token-probe:0.1.0", args: [granted]}
                """, Job.class));
        Job job = sim.awaitJobFinished("token-probe", WAIT);
        Pod pod = admin.pods().withLabel("job-name", "token-probe").list().getItems().get(0);
        String log = sim.logs(pod.getMetadata().getName(), "main");
        assertThat(job.getStatus().getSucceeded()).as(log).isEqualTo(1);
        assertThat(log).contains("master=https://127.0.0.1:" + sim.controlPlane().server().getPort() + "/", "namespace=default",
                "configmap=readable", "secrets=403", "system:serviceaccount:default:reader");
        assertThat(pod.getSpec().getVolumes()).as("ServiceAccount admission's projected token")
                .anySatisfy(v -> assertThat(v.getProjected()).isNotNull());
    }

    @Test
    void theRealKubectlCreatesAJobFromASuspendedCronJob() {
        sim.apply(Serialization.unmarshal("""
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: etcdutl-version}
                spec:
                  schedule: "@hourly"
                  suspend: true
                  jobTemplate:
                    spec:
                      backoffLimit: 0
                      template:
                        spec:
                          restartPolicy: Never
                          containers:
                          - {name: main, image: "%s", command: [etcdutl], args: [version]}
                """.formatted(EtcdStatefulSets.image(EtcdBinaries.V3_6)), CronJob.class));
        Job created = sim.createJobFromCronJob("etcdutl-version", "version-now");
        assertThat(created.getMetadata().getAnnotations()).containsEntry("cronjob.kubernetes.io/instantiate", "manual");
        assertThat(created.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("CronJob"));
        Job done = sim.awaitJobFinished("version-now", WAIT);
        Pod pod = sim.client().pods().withLabel("job-name", "version-now").list().getItems().get(0);
        assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(sim.logs(pod.getMetadata().getName(), "main")).contains(EtcdBinaries.V3_6);
        assertThat(pod.getStatus().getContainerStatuses()).singleElement()
                .satisfies(cs -> assertThat(cs.getState().getTerminated().getExitCode()).isZero());
    }

    @Test
    void anImageTheNodeCannotRunSaysSoOnThePodAndALivenessFailureRestartsAContainer() {
        sim.apply(Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  containers: [{name: web, image: "nginx:1.27"}]
                """, Pod.class));
        assertThatThrownBy(() -> sim.awaitPodReady("web", WAIT)).isInstanceOf(UnsupportedContainerException.class)
                .hasMessageContaining("not known to the simulation");
        Poll.until("the waiting reason on the real API", WAIT, () -> {
            Pod p = sim.client().pods().withName("web").get();
            return p.getStatus().getContainerStatuses().size() == 1 && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                    && UnsupportedContainerException.REASON.equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason());
        }, () -> sim.describePods("web"));

        sim.apply(Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: unlive}
                spec:
                  containers:
                  - name: etcd
                    image: "%s"
                    command: [etcd]
                    args: [--name=unlive, --data-dir=/data, "--listen-client-urls=http://0.0.0.0:2379",
                           "--advertise-client-urls=http://127.0.0.1:2379", "--listen-peer-urls=http://0.0.0.0:2380",
                           "--initial-advertise-peer-urls=http://127.0.0.1:2380", "--initial-cluster=unlive=http://127.0.0.1:2380"]
                    livenessProbe: {tcpSocket: {port: 2999}, periodSeconds: 1, failureThreshold: 2}
                """.formatted(EtcdStatefulSets.image(EtcdBinaries.V3_6)), Pod.class));
        Poll.until("a restart after the liveness probe failed", WAIT, () -> {
            Pod p = sim.client().pods().withName("unlive").get();
            return p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty()
                    && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1
                    && p.getStatus().getContainerStatuses().get(0).getLastState().getTerminated() != null;
        }, () -> sim.describePods("unlive"));
    }

    @Test
    void aClaimInUseStaysUntilItsPodIsGoneThenItsVolumeAndFolderGo() throws Exception {
        KubernetesClient admin = sim.client();
        sim.images().registerInProcess("example.com/sleeper", (args, env) -> {
            Thread.sleep(Long.MAX_VALUE);
            return 0;
        });
        // a StorageClass naming this node agent's provisioner, Immediate binding (the etcd claims above name none)
        admin.genericKubernetesResources("storage.k8s.io/v1", "StorageClass").resource(Serialization.unmarshal("""
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: host-folder}
                provisioner: %s
                volumeBindingMode: Immediate
                reclaimPolicy: Delete
                """.formatted(NodeAgent.PROVISIONER), io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
        sim.apply(Serialization.unmarshal("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: scratch}
                spec: {storageClassName: host-folder, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
                """, PersistentVolumeClaim.class));
        sim.apply(Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: holder}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: main, image: "example.com/sleeper:1", volumeMounts: [{name: v, mountPath: /scratch}]}]
                  volumes: [{name: v, persistentVolumeClaim: {claimName: scratch}}]
                """, Pod.class));
        sim.awaitPodReady("holder", WAIT);
        Path dir = sim.volumeDir("scratch").orElseThrow();
        java.nio.file.Files.writeString(dir.resolve("f"), "x");
        String pv = admin.persistentVolumeClaims().withName("scratch").get().getSpec().getVolumeName();
        assertThat(admin.persistentVolumes().withName(pv).get().getSpec().getStorageClassName()).isEqualTo("host-folder");

        admin.persistentVolumeClaims().withName("scratch").delete();
        Poll.until("the claim marked for deletion", WAIT,
                () -> admin.persistentVolumeClaims().withName("scratch").get().getMetadata().getDeletionTimestamp() != null, () -> "");
        Thread.sleep(2000); // the real pvc-protection controller has had its chance to (wrongly) let go
        assertThat(admin.persistentVolumeClaims().withName("scratch").get()).as("kubernetes.io/pvc-protection while in use").isNotNull();
        assertThat(dir.resolve("f")).hasContent("x");

        admin.pods().withName("holder").delete();
        Poll.until("claim, volume and folder gone", WAIT, () -> admin.persistentVolumeClaims().withName("scratch").get() == null
                && admin.persistentVolumes().withName(pv).get() == null && !java.nio.file.Files.exists(dir), () -> sim.describePods("holder"));
    }

    private static String etcdctl(String endpoints, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(EtcdBinaries.of(EtcdBinaries.V3_6).etcdctl().toString(),
                "--endpoints=" + endpoints));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, Duration.ofSeconds(30));
    }
}
