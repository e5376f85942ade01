package io.etcdops.core.kube;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KubernetesEnvironmentTest {

    @Test
    void theServiceAccountFolderFollowsFabric8sTokenFileProperty(@TempDir Path dir) throws Exception {
        assertThat(KubernetesEnvironment.serviceAccountDir(null)).isEqualTo(KubernetesEnvironment.SERVICE_ACCOUNT_DIR);
        assertThat(KubernetesEnvironment.serviceAccountDir(" ")).isEqualTo(KubernetesEnvironment.SERVICE_ACCOUNT_DIR);
        Path sa = Files.createDirectories(dir.resolve("sa"));
        Files.writeString(sa.resolve("token"), "t");
        Files.writeString(sa.resolve("namespace"), "etcd");
        Path folder = KubernetesEnvironment.serviceAccountDir(sa.resolve("token").toString());
        assertThat(folder).isEqualTo(sa);

        KubernetesEnvironment inPod = new KubernetesEnvironment(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1")::get, folder);
        assertThat(inPod.inCluster()).isTrue();
        assertThat(inPod.podNamespace()).contains("etcd");
        KubernetesEnvironment noHost = new KubernetesEnvironment(Map.<String, String>of()::get, folder);
        assertThat(noHost.inCluster()).isFalse();
    }
}
