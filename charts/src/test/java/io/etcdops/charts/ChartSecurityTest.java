package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Secure pod defaults on every CronJob of every values file: non-root, read-only root, no capabilities, no token. */
class ChartSecurityTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.etcdops.charts.Project#valuesFiles")
    void everyPodIsRestricted(Path values) {
        Rendered rendered = Helm.HELM3.render(List.of(values), Map.of());
        for (CronJob c : rendered.all(CronJob.class)) {
            String id = c.getMetadata().getName();
            PodSpec pod = Rendered.pod(c);
            PodSecurityContext psc = pod.getSecurityContext();
            assertThat(psc.getRunAsNonRoot()).as(id).isTrue();
            assertThat(psc.getRunAsUser()).as(id).isEqualTo(65532L);
            assertThat(psc.getRunAsGroup()).as(id).isEqualTo(65532L);
            assertThat(psc.getFsGroup()).as(id).isEqualTo(65532L);
            assertThat(psc.getSeccompProfile().getType()).as(id).isEqualTo("RuntimeDefault");
            assertThat(pod.getAutomountServiceAccountToken()).as(id).isFalse();
            assertThat(pod.getEnableServiceLinks()).as(id).isFalse();
            assertThat(pod.getHostNetwork()).as(id).isNull();
            assertThat(pod.getHostPID()).as(id).isNull();

            Map<String, Volume> volumes = pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, Function.identity()));
            assertThat(volumes.values()).as(id + ": no hostPath").allSatisfy(v -> assertThat(v.getHostPath()).isNull());
            List<Container> all = new ArrayList<>(pod.getInitContainers());
            all.addAll(pod.getContainers());
            for (Container k : all) {
                String cid = id + "/" + k.getName();
                SecurityContext sc = k.getSecurityContext();
                assertThat(sc).as(cid).isNotNull();
                assertThat(sc.getReadOnlyRootFilesystem()).as(cid).isTrue();
                assertThat(sc.getAllowPrivilegeEscalation()).as(cid).isFalse();
                assertThat(sc.getRunAsNonRoot()).as(cid).isTrue();
                assertThat(sc.getPrivileged()).as(cid).isNull();
                assertThat(sc.getCapabilities().getDrop()).as(cid).containsExactly("ALL");
                assertThat(sc.getCapabilities().getAdd()).as(cid).isNullOrEmpty();
                k.getVolumeMounts().forEach(m -> {
                    Volume v = volumes.get(m.getName());
                    if (v.getSecret() != null || v.getProjected() != null || v.getImage() != null) {
                        assertThat(m.getReadOnly()).as(cid + " mounts " + m.getName() + " read-only").isTrue();
                    }
                    if (!Boolean.TRUE.equals(m.getReadOnly())) {
                        assertThat(v.getEmptyDir() != null || v.getPersistentVolumeClaim() != null)
                                .as(cid + ": writable path " + m.getMountPath() + " is an explicit emptyDir or claim").isTrue();
                    }
                    if (v.getEmptyDir() != null && v.getEmptyDir().getMedium() == null) {
                        assertThat(v.getEmptyDir().getSizeLimit()).as(cid + ": emptyDir " + m.getName() + " has a size limit").isNotNull();
                    }
                });
            }
            // a token only for a job that uses the API, and only in its etcd-ops container, never in an init container
            if (rendered.find(io.fabric8.kubernetes.api.model.rbac.Role.class, id).isPresent()) {
                assertThat(Rendered.main(c).getVolumeMounts()).as(id).anySatisfy(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
                    assertThat(volumes.get(m.getName()).getProjected().getSources())
                            .anySatisfy(s -> assertThat(s.getServiceAccountToken().getExpirationSeconds()).isEqualTo(3607L));
                });
            } else {
                assertThat(volumes.values()).as(id + " has no service-account token").allSatisfy(v -> assertThat(v.getProjected()).isNull());
            }
            pod.getInitContainers().forEach(i -> assertThat(i.getVolumeMounts())
                    .noneSatisfy(m -> assertThat(volumes.get(m.getName()).getProjected()).isNotNull()));
            // the writable paths the jobs use
            assertThat(Rendered.main(c).getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp", "/etcd-ops/output");
        }
    }

    @Test
    void theDrillInitContainerIsRestrictedToo() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("drill.enabled", "true",
                "drill.etcdImage.repository", "docker.io/bitnami/etcd", "drill.etcdImage.tag", "3.5.21"));
        PodSpec pod = Rendered.pod(r.cronJob("drill"));
        assertThat(pod.getInitContainers()).singleElement().satisfies(i -> {
            assertThat(i.getImage()).isEqualTo("docker.io/bitnami/etcd:3.5.21");
            assertThat(i.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(i.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/etcd-bin");
        });
    }
}
