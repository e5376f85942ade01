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

    private static StatefulSetTarget target(Consumer<StatefulSet> edit) {
        StatefulSet sts = EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_5).objects().stream()
                .filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast).findFirst().orElseThrow();
        edit.accept(sts);
        return StatefulSetTarget.from(sts, TargetOverrides.none());
    }

    private static Container container(Pod pod, String name) {
        return java.util.stream.Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
