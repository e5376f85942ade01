package io.etcdops.restore;

import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The restore pod runs as the StatefulSet's pods do, so restored files belong to etcd's user. */
class RestorePodSpecTest {
    private static final RestorePodSpec.Settings SETTINGS = new RestorePodSpec.Settings("ghcr.io/etcd-ops/restore-job:test", "default",
            List.of("--store", "file:///backups"), List.of(), List.of(), JobPodFiles.none(), "token", 1_000_000_000L, "s1", "run-1", false);

    @Test
    void etcdImagesThatRunAsRootByDefaultGetRootFetchAndSwapContainers() {
        Pod pod = RestorePodSpec.build(target(sts -> { }), 1, 3, SETTINGS);
        assertThat(pod.getSpec().getSecurityContext()).isNull();
        assertThat(container(pod, "restore").getSecurityContext()).as("the etcd image's own default").isNull();
        for (String ours : List.of("fetch", "swap")) {
            assertThat(container(pod, ours).getSecurityContext().getRunAsUser()).as(ours).isZero();
        }
        assertThat(container(pod, "restore").getArgs()).contains("--skip-hash-check", "--bump-revision", "--mark-compacted");
    }

    @Test
    void aStatefulSetThatNamesItsUserIsFollowedByEveryContainer() {
        Pod pod = RestorePodSpec.build(target(sts -> {
            sts.getSpec().getTemplate().getSpec().setSecurityContext(new PodSecurityContextBuilder().withRunAsUser(1001L)
                    .withFsGroup(1001L).withRunAsNonRoot(true).build());
            sts.getSpec().getTemplate().getSpec().getContainers().get(0).setSecurityContext(new SecurityContextBuilder()
                    .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().build());
        }), 0, 3, SETTINGS);
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1001L);
        assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(1001L);
        for (String c : List.of("fetch", "restore", "swap")) {
            assertThat(container(pod, c).getSecurityContext().getRunAsUser()).as(c + ": the pod's user applies").isNull();
            assertThat(container(pod, c).getSecurityContext().getAllowPrivilegeEscalation()).as(c).isFalse();
            assertThat(container(pod, c).getSecurityContext().getCapabilities().getDrop()).as(c).containsExactly("ALL");
        }
    }

    @Test
    void runAsNonRootWithoutAUserForcesNothing() {
        Pod pod = RestorePodSpec.build(target(sts -> sts.getSpec().getTemplate().getSpec().setSecurityContext(
                new PodSecurityContextBuilder().withRunAsNonRoot(true).build())), 2, 3, SETTINGS);
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container(pod, "swap").getSecurityContext().getRunAsUser()).as("no root override against runAsNonRoot").isNull();
    }

    @Test
    void theJobsSecretAndConfigMapFilesReachTheFetchContainerAtTheSamePaths() {
        Pod job = new io.fabric8.kubernetes.api.model.PodBuilder().withNewSpec()
                .addNewContainer().withName("restore").withImage("ghcr.io/etcd-ops/restore-job:test")
                .addNewVolumeMount().withName("key").withMountPath("/etc/etcd-ops/key").endVolumeMount()
                .addNewVolumeMount().withName("gcs").withMountPath("/var/secrets/google").endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addNewVolumeMount().withName("token").withMountPath("/var/run/secrets/kubernetes.io/serviceaccount").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("key").withNewSecret().withSecretName("backup-key").endSecret().endVolume()
                .addNewVolume().withName("gcs").withNewProjected().addNewSource().withNewSecret().withName("gcs-key").endSecret().endSource()
                .endProjected().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("token").withNewProjected().addNewSource().withNewServiceAccountToken().withPath("token")
                .endServiceAccountToken().endSource().endProjected().endVolume()
                .addNewVolume().withName("unmounted").withNewConfigMap().withName("x").endConfigMap().endVolume()
                .endSpec().build();
        JobPodFiles files = JobPodFiles.of(job);
        assertThat(files.volumes()).extracting(v -> v.getName()).containsExactly("job-key", "job-gcs");
        RestorePodSpec.Settings s = new RestorePodSpec.Settings(SETTINGS.restoreImage(), "default", SETTINGS.fetchArgs(), List.of(), List.of(),
                files, "token", 0, "s1", "run-1", false);
        Pod pod = RestorePodSpec.build(target(sts -> { }), 0, 3, s);
        assertThat(pod.getSpec().getVolumes()).extracting(v -> v.getName()).contains("work", "data", "job-key", "job-gcs")
                .doesNotContain("job-tmp", "job-token", "job-unmounted");
        assertThat(container(pod, "fetch").getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath() + ":" + m.getReadOnly())
                .contains("job-key:/etc/etcd-ops/key:true", "job-gcs:/var/secrets/google:true");
        assertThat(container(pod, "restore").getVolumeMounts()).extracting(m -> m.getName()).doesNotContain("job-key");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "etcd {0} image")
    @org.junit.jupiter.params.provider.ValueSource(strings = {EtcdBinaries.V3_4, EtcdBinaries.V3_5, EtcdBinaries.V3_6, EtcdBinaries.V3_7})
    void theRestoreContainerRunsTheToolOfTheImagesOwnVersion(String version) {
        Container restore = container(RestorePodSpec.build(target(version, sts -> { }), 0, 3, SETTINGS), "restore");
        boolean v34 = version.startsWith("3.4.");
        assertThat(restore.getImage()).endsWith(":v" + version);
        // etcd 3.6 and 3.7 have 'snapshot restore' only in etcdutl; 3.4 only in etcdctl (with API v3)
        assertThat(restore.getCommand()).containsExactly(v34 ? "etcdctl" : "etcdutl");
        assertThat(restore.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
                .isEqualTo(v34 ? List.of("ETCDCTL_API=3") : List.of());
        assertThat(restore.getArgs()).startsWith("snapshot", "restore");
        // every entry becomes a voter: exactly the StatefulSet's three members
        String initialCluster = restore.getArgs().get(restore.getArgs().indexOf("--initial-cluster") + 1);
        assertThat(initialCluster.split(",")).extracting(e -> e.substring(0, e.indexOf('=')))
                .containsExactly("etcd-0", "etcd-1", "etcd-2");
    }

    private static StatefulSetTarget target(Consumer<StatefulSet> edit) {
        return target(EtcdBinaries.DEFAULT, edit);
    }

    private static StatefulSetTarget target(String version, Consumer<StatefulSet> edit) {
        StatefulSet sts = EtcdStatefulSets.flagStyle().version(version).objects().stream()
                .filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast).findFirst().orElseThrow();
        edit.accept(sts);
        return StatefulSetTarget.from(sts, TargetOverrides.none());
    }

    private static Container container(Pod pod, String name) {
        return java.util.stream.Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
