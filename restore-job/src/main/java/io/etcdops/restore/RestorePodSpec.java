package io.etcdops.restore;

import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The pod that restores one member's volume while the StatefulSet is scaled to 0:
 * <ol>
 *   <li>init {@code fetch} (this image): download, decrypt, verify the snapshot into an emptyDir; check the volume has room;</li>
 *   <li>init {@code restore} (the StatefulSet's own etcd image, so the etcdutl of the cluster's minor):
 *       {@code etcdutl snapshot restore} with the member's name and peer URL into a staging dir on the member's volume
 *       (etcd 3.4 images: {@code etcdctl}); a snapshot of a newer storage version than the image was refused before
 *       ({@link StorageVersionGuard});</li>
 *   <li>{@code swap} (this image): old {@code member/} moved aside, restored one moved into place (renames).</li>
 * </ol>
 */
final class RestorePodSpec {
    static final String RUN_LABEL = "etcd-ops.io/restore-run";
    static final String WORK = "/etcd-ops-work";

    record Settings(String restoreImage, String serviceAccount, List<String> fetchArgs, List<EnvVar> env,
                    List<EnvFromSource> envFrom, JobPodFiles files, String token, long bumpRevision, String stamp, String runId,
                    boolean discardOldData) {
    }

    private RestorePodSpec() {
    }

    static String podName(StatefulSetTarget t, int ordinal) {
        return t.name() + "-restore-" + ordinal;
    }

    static Pod build(StatefulSetTarget t, int ordinal, int replicas, Settings s) {
        String volume = t.data().mountPath();
        String claim = t.dataClaimName(ordinal);
        List<String> fetch = new ArrayList<>(List.of("fetch"));
        fetch.addAll(s.fetchArgs());
        fetch.addAll(List.of("--out", WORK + "/snapshot.db", "--room-in", volume));
        if (s.discardOldData()) {
            fetch.add("--discard-old-data");
        }
        String initialCluster = IntStream.range(0, replicas).mapToObj(i -> t.podName(i) + "=" + t.peerUrl(i))
                .collect(Collectors.joining(","));
        boolean v34 = t.requireImageVersion().startsWith("3.4.");
        List<String> restore = new ArrayList<>(List.of("snapshot", "restore", WORK + "/snapshot.db", "--name", t.podName(ordinal),
                "--initial-cluster", initialCluster, "--initial-cluster-token", s.token(),
                "--initial-advertise-peer-urls", t.peerUrl(ordinal).toString(),
                "--data-dir", SwapCommand.staging(java.nio.file.Path.of(volume), s.stamp()).toString()));
        t.data().walDir().ifPresent(w -> restore.addAll(List.of("--wal-dir",
                SwapCommand.staging(java.nio.file.Path.of(volume), s.stamp()).resolve("wal").toString())));
        if (s.bumpRevision() > 0) {
            restore.addAll(List.of("--bump-revision", String.valueOf(s.bumpRevision()), "--mark-compacted"));
        }
        // the fetch init container has just verified this file (trailer sha256, manifest sha256, bbolt read)
        restore.add("--skip-hash-check");
        Container fetchC = new ContainerBuilder().withName("fetch").withImage(s.restoreImage()).withArgs(fetch)
                .withSecurityContext(RestorePodSecurity.ours(t))
                .withEnv(s.env()).withEnvFrom(s.envFrom()).addAllToVolumeMounts(s.files().mounts())
                .addNewVolumeMount().withName("work").withMountPath(WORK).endVolumeMount()
                .addNewVolumeMount().withName("data").withMountPath(volume).endVolumeMount().build();
        // etcd 3.5+ images restore with etcdutl (3.6+ etcdctl has no 'snapshot restore'); 3.4's etcdctl needs API v3
        Container restoreC = new ContainerBuilder().withName("restore").withImage(t.image())
                .withCommand(v34 ? "etcdctl" : "etcdutl").withArgs(restore)
                .withSecurityContext(RestorePodSecurity.etcdContainer(t))
                .withEnv(v34 ? List.of(new EnvVar("ETCDCTL_API", "3", null)) : List.of())
                .addNewVolumeMount().withName("work").withMountPath(WORK).endVolumeMount()
                .addNewVolumeMount().withName("data").withMountPath(volume).endVolumeMount().build();
        List<String> swap = new ArrayList<>(List.of("swap", "--data-dir", t.data().dataDir(), "--volume", volume, "--stamp", s.stamp()));
        t.data().walDir().ifPresent(w -> swap.addAll(List.of("--wal-dir", w)));
        Container swapC = new ContainerBuilder().withName("swap").withImage(s.restoreImage()).withArgs(swap)
                .withSecurityContext(RestorePodSecurity.ours(t))
                .addNewVolumeMount().withName("data").withMountPath(volume).endVolumeMount().build();
        return new PodBuilder().withNewMetadata().withName(podName(t, ordinal)).withNamespace(t.namespace())
                .addToLabels("app.kubernetes.io/managed-by", "etcd-ops").addToLabels(RUN_LABEL, s.runId()).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withServiceAccountName(s.serviceAccount())
                .withSecurityContext(RestorePodSecurity.pod(t))
                .addAllToVolumes(s.files().volumes())
                .addNewVolume().withName("work").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().endVolume()
                .withInitContainers(fetchC, restoreC).withContainers(swapC).endSpec().build();
    }
}
