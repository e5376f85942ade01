package io.etcdops.upgrade;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetImageTest {
    private static final EtcdVersion V = EtcdVersion.parse("3.5.30");

    @Test
    void theVersionInAPlainTagIsSwapped() {
        assertThat(TargetImage.resolve("quay.io/coreos/etcd:v3.5.16", null, V)).isEqualTo("quay.io/coreos/etcd:v3.5.30");
        assertThat(TargetImage.resolve("registry.k8s.io/etcd:3.5.16-0", null, V)).isEqualTo("registry.k8s.io/etcd:3.5.30-0");
        assertThat(TargetImage.resolve("localhost:5000/etcd:v3.5.16@sha256:abc", null, V)).isEqualTo("localhost:5000/etcd:v3.5.30");
    }

    @Test
    void otherTagsNeedAnExplicitImageWhoseTagMatchesTheVersion() {
        assertThatThrownBy(() -> TargetImage.resolve("bitnami/etcd:3.5.16-debian-12-r0", null, V))
                .isInstanceOf(JobException.class).hasMessageContaining("--image")
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.USAGE));
        assertThat(TargetImage.resolve("bitnami/etcd:3.5.16-debian-12-r0", "bitnami/etcd:3.5.30-debian-12-r2", V))
                .isEqualTo("bitnami/etcd:3.5.30-debian-12-r2");
        assertThatThrownBy(() -> TargetImage.resolve("quay.io/coreos/etcd:v3.5.16", "quay.io/coreos/etcd:v3.5.29", V))
                .hasMessageContaining("names etcd 3.5.29 but --to-version is 3.5.30");
        assertThat(TargetImage.resolve("x/etcd:v3.5.16", "mirror.example.com/etcd@sha256:0123", V)).isEqualTo("mirror.example.com/etcd@sha256:0123");
    }
}
