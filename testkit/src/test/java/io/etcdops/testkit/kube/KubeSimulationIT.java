package io.etcdops.testkit.kube;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulation's own proof, on real etcd 3.6 processes: pods, volumes, scaling and both update strategies behave
 * as a StatefulSet does, and etcd (real membership, real data) survives what Kubernetes would do to it.
 */
class KubeSimulationIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final String V_OLD = EtcdBinaries.V3_6_OLD;
    private static final String V_NEW = EtcdBinaries.V3_6;

    @Test
    void deletedPodKillsItsEtcdAndComesBackOnItsVolume_deletedClaimComesBackEmpty() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            KubernetesClient k = sim.client();
            try (Client etcd = client(sim, 3)) {
                put(etcd, "/k/before", "v1");
                Map<String, Long> ids = memberIds(etcd);
                long pid = sim.pid("etcd-2", "etcd").orElseThrow();
                Path volume = sim.volumeDir("etcd-data-etcd-2").orElseThrow();
                Files.writeString(volume.resolve("marker"), "kept");
                String uid = k.pods().withName("etcd-2").get().getMetadata().getUid();

                k.pods().withName("etcd-2").delete();
                sim.awaitPodGone("etcd-2", uid, UP);
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("etcd of the deleted pod").isFalse();

                Pod back = sim.awaitPodReady("etcd-2", UP);
                assertThat(back.getMetadata().getUid()).isNotEqualTo(uid);
                assertThat(sim.pid("etcd-2", "etcd").orElseThrow()).isNotEqualTo(pid);
                assertThat(sim.volumeDir("etcd-data-etcd-2")).contains(volume);
                assertThat(volume.resolve("marker")).hasContent("kept");
                try (Client only2 = Client.builder().endpoints(sim.resolve(URI.create("http://etcd-2.etcd:2379"))).build()) {
                    var r = only2.getKVClient().get(bytes("/k/before"), GetOption.builder().withSerializable(true).build())
                            .get(10, TimeUnit.SECONDS);
                    assertThat(r.getKvs()).hasSize(1);
                }
                assertThat(memberIds(etcd)).isEqualTo(ids);

                String claimUid = k.persistentVolumeClaims().withName("etcd-data-etcd-1").get().getMetadata().getUid();
                Path volume1 = sim.volumeDir("etcd-data-etcd-1").orElseThrow();
                Files.writeString(volume1.resolve("marker"), "gone with the claim");
                String uid1 = k.pods().withName("etcd-1").get().getMetadata().getUid();
                k.persistentVolumeClaims().withName("etcd-data-etcd-1").delete();
                assertThat(k.persistentVolumeClaims().withName("etcd-data-etcd-1").get().getMetadata().getDeletionTimestamp())
                        .as("claim protected while its pod runs").isNotNull();
                k.pods().withName("etcd-1").delete();
                sim.awaitPodGone("etcd-1", uid1, UP);
                // etcd started on the new claim: running, or (an empty member of an existing cluster fails at once,
                // "already bootstrapped") restarted at least once; a crash-looping process is easy to miss by polling
                Poll.until("etcd-1 started on a new claim", UP, () -> {
                    var pvc = k.persistentVolumeClaims().withName("etcd-data-etcd-1").get();
                    return pvc != null && !pvc.getMetadata().getUid().equals(claimUid)
                            && sim.volumeDir("etcd-data-etcd-1").isPresent()
                            && (sim.pid("etcd-1", "etcd").isPresent() || restarts(k, "etcd-1", "etcd") > 0);
                }, () -> sim.describePods("etcd-1"));
                Path fresh = sim.volumeDir("etcd-data-etcd-1").orElseThrow();
                assertThat(fresh).isNotEqualTo(volume1);
                assertThat(volume1).doesNotExist();
                assertThat(fresh.resolve("marker")).doesNotExist();
            }
        }
    }

    @Test
    void scaledToZeroStopsEveryMember_scaledBackTheyRestartOnTheirData() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            KubernetesClient k = sim.client();
            Map<String, Long> ids;
            try (Client etcd = client(sim, 3)) {
                put(etcd, "/k/durable", "v1");
                ids = memberIds(etcd);
            }
            List<Long> pids = IntStream.range(0, 3).mapToObj(i -> sim.pid("etcd-" + i, "etcd").orElseThrow()).toList();

            scale(k, 0);
            Poll.until("no etcd pods", UP, () -> k.pods().list().getItems().isEmpty(), () -> sim.describePods("etcd"));
            assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse());
            Poll.until("status replicas 0", UP, () -> k.apps().statefulSets().withName("etcd").get().getStatus().getReplicas() == 0,
                    () -> "");
            assertThat(k.persistentVolumeClaims().list().getItems()).as("claims are retained").hasSize(3);

            scale(k, 3);
            sim.awaitStatefulSetReady("etcd", UP);
            try (Client etcd = client(sim, 3)) {
                assertThat(memberIds(etcd)).isEqualTo(ids);
                assertThat(etcd.getKVClient().get(bytes("/k/durable")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()
                        .toString(StandardCharsets.UTF_8)).isEqualTo("v1");
            }
        }
    }

    @Test
    void onDeleteChangesNothingUntilAPodIsDeleted() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().version(V_OLD).updateStrategy("OnDelete", null).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            KubernetesClient k = sim.client();
            Map<String, String> uids = podUids(k);

            setImage(k, EtcdStatefulSets.image(V_NEW));
            Poll.until("update revision observed", UP, () -> {
                var st = k.apps().statefulSets().withName("etcd").get().getStatus();
                return !st.getUpdateRevision().equals(st.getCurrentRevision());
            }, () -> "");
            Thread.sleep(3000);
            assertThat(podUids(k)).isEqualTo(uids);
            assertThat(k.apps().statefulSets().withName("etcd").get().getStatus().getUpdatedReplicas()).isZero();
            for (int i = 0; i < 3; i++) {
                assertThat(serverVersion(sim, "etcd-" + i)).isEqualTo(V_OLD);
            }

            k.pods().withName("etcd-1").delete();
            sim.awaitPodGone("etcd-1", uids.get("etcd-1"), UP);
            sim.awaitPodReady("etcd-1", UP);
            assertThat(serverVersion(sim, "etcd-1")).isEqualTo(V_NEW);
            assertThat(serverVersion(sim, "etcd-0")).isEqualTo(V_OLD);
            assertThat(k.apps().statefulSets().withName("etcd").get().getStatus().getUpdatedReplicas()).isEqualTo(1);
        }
    }

    @Test
    void rollingUpdateWithPartitionRollsHighestOrdinalFirstEachAfterTheLastIsReady() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().version(V_OLD).updateStrategy("RollingUpdate", 1).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            KubernetesClient k = sim.client();
            Map<String, String> before = podUids(k);

            setImage(k, EtcdStatefulSets.image(V_NEW));
            // Watch every snapshot of the pods: etcd-1 must not go before etcd-2 came back Ready.
            boolean etcd2BackReady = false;
            boolean etcd1Touched = false;
            long deadline = System.nanoTime() + UP.toNanos() * 2;
            while (System.nanoTime() < deadline) {
                Map<String, Pod> pods = k.pods().list().getItems().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
                Pod p1 = pods.get("etcd-1");
                Pod p2 = pods.get("etcd-2");
                boolean p2New = p2 != null && !p2.getMetadata().getUid().equals(before.get("etcd-2"));
                etcd2BackReady |= p2New && p2.getMetadata().getDeletionTimestamp() == null && StatefulSetController.ready(p2);
                boolean p1Touched = p1 == null || !p1.getMetadata().getUid().equals(before.get("etcd-1"))
                        || p1.getMetadata().getDeletionTimestamp() != null;
                if (p1Touched && !etcd1Touched) {
                    assertThat(etcd2BackReady).as("etcd-2 rolled and Ready before etcd-1 is touched").isTrue();
                    etcd1Touched = true;
                }
                var st = k.apps().statefulSets().withName("etcd").get().getStatus();
                if (etcd1Touched && st.getUpdatedReplicas() == 2 && st.getReadyReplicas() == 3) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(etcd1Touched).as("etcd-1 rolled").isTrue();
            assertThat(serverVersion(sim, "etcd-2")).isEqualTo(V_NEW);
            assertThat(serverVersion(sim, "etcd-1")).isEqualTo(V_NEW);
            assertThat(k.pods().withName("etcd-0").get().getMetadata().getUid()).as("below the partition").isEqualTo(before.get("etcd-0"));
            assertThat(serverVersion(sim, "etcd-0")).isEqualTo(V_OLD);
            StatefulSet sts = k.apps().statefulSets().withName("etcd").get();
            assertThat(sts.getStatus().getCurrentRevision()).isNotEqualTo(sts.getStatus().getUpdateRevision());
        }
    }

    private static void scale(KubernetesClient k, int replicas) {
        k.apps().statefulSets().withName("etcd").edit(s -> {
            s.getSpec().setReplicas(replicas);
            return s;
        });
    }

    private static void setImage(KubernetesClient k, String image) {
        k.apps().statefulSets().withName("etcd").edit(s -> {
            s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
            return s;
        });
    }

    private static Map<String, String> podUids(KubernetesClient k) {
        Map<String, String> m = new HashMap<>();
        k.pods().list().getItems().forEach(p -> m.put(p.getMetadata().getName(), p.getMetadata().getUid()));
        return m;
    }

    /** What the pod's etcd says on {@code /version}. */
    static String serverVersion(KubeSimulation sim, String pod) throws Exception {
        URI u = sim.resolve(URI.create("http://" + pod + ".etcd.default.svc.cluster.local:2379/version"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = r.body();
        return body.replaceAll(".*\"etcdserver\":\"([^\"]+)\".*", "$1");
    }

    private static Client client(KubeSimulation sim, int replicas) {
        URI[] eps = IntStream.range(0, replicas).mapToObj(i -> sim.resolve(URI.create("http://etcd-" + i + ".etcd:2379"))).toArray(URI[]::new);
        return Client.builder().endpoints(eps).build();
    }

    private static Map<String, Long> memberIds(Client c) throws Exception {
        return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                .collect(Collectors.toMap(Member::getName, Member::getId));
    }

    private static void put(Client c, String k, String v) throws Exception {
        c.getKVClient().put(bytes(k), bytes(v)).get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static int restarts(KubernetesClient k, String pod, String container) {
        var p = k.pods().withName(pod).get();
        if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().filter(c -> container.equals(c.getName()))
                .mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).sum();
    }
}
