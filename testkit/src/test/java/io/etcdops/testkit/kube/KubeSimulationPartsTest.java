package io.etcdops.testkit.kube;

import io.etcdops.testkit.etcd.EtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The simulation's rewriting rules, one by one: what a container gets instead of what Kubernetes would give it. */
class KubeSimulationPartsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "quay.io/coreos/etcd:v3.5.30, quay.io/coreos/etcd, 3.5.30",
            "registry.k8s.io/etcd:3.5.16-0, registry.k8s.io/etcd, 3.5.16",
            "gcr.io/etcd-development/etcd:v3.4.23, gcr.io/etcd-development/etcd, 3.4.23",
            "bitnami/etcd:3.5.30, bitnami/etcd, 3.5.30",
            "docker.io/bitnami/etcd:3.5.16-debian-12-r0, bitnami/etcd, 3.5.16",
            "localhost:5000/etcd@sha256:abcd, localhost:5000/etcd, ''"})
    void imageReferences(String image, String repository, String version) {
        ImageRef ref = ImageRef.parse(image);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.name()).isEqualTo("etcd");
        assertThat(ref.versionFromTag().orElse("")).isEqualTo(version);
    }

    @Test
    void etcdImagesRunTheRealBinaryOfTheirTagAndNothingElse() {
        ContainerImages images = new ContainerImages();
        var etcd = (ContainerImages.EtcdExec) images.resolve("etcd", "quay.io/coreos/etcd:v3.6.16", List.of("/usr/local/bin/etcd"),
                List.of("--name=etcd-0"));
        assertThat(etcd.argv()).containsExactly(EtcdBinaries.of(EtcdBinaries.V3_6).etcd().toString(), "--name=etcd-0");
        var bitnamiBinary = (ContainerImages.EtcdExec) images.resolve("etcd", "bitnami/etcd:3.5.21", List.of("/opt/bitnami/etcd/bin/etcdctl"),
                List.of("version"));
        assertThat(bitnamiBinary.argv().get(0)).isEqualTo(EtcdBinaries.of(EtcdBinaries.V3_5_OLD).etcdctl().toString());

        assertThatThrownBy(() -> images.resolve("etcd", "quay.io/coreos/etcd:v3.6.16", List.of(), List.of("--name=etcd-0")))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("args without command execute their first arg");
        assertThatThrownBy(() -> images.resolve("etcd", "docker.io/bitnami/etcd:3.6.16-debian-12-r1", List.of(), List.of()))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("Bitnami image's shell scripts");
        assertThatThrownBy(() -> images.resolve("etcd", "quay.io/coreos/etcd:v3.6.16", List.of("/bin/sh", "-c"), List.of("etcd")))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("no shell");
        assertThatThrownBy(() -> images.resolve("etcd", "gcr.io/etcd-development/etcd:v3.4.23", List.of("etcdutl"), List.of()))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("ships no etcdutl");
        assertThatThrownBy(() -> images.resolve("etcd", "quay.io/coreos/etcd:v3.3.1", List.of("etcd"), List.of()))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("3.3.1");
        assertThatThrownBy(() -> images.resolve("web", "nginx:1.27", List.of(), List.of()))
                .isInstanceOf(UnsupportedContainerException.class).hasMessageContaining("not known to the simulation");
    }

    @Test
    void registeredJvmImagesRunTheirMainWithTheContainersArgs() {
        ContainerImages images = new ContainerImages().registerJvmMain("ghcr.io/etcd-ops/restore-job", "io.etcdops.restore.Main");
        var jvm = (ContainerImages.JvmMain) images.resolve("restore", "ghcr.io/etcd-ops/restore-job:0.1.0", List.of(), List.of("--dry-run"));
        assertThat(jvm.mainClass()).isEqualTo("io.etcdops.restore.Main");
        assertThat(jvm.args()).containsExactly("--dry-run");
        assertThat(images.resolve("restore", "ghcr.io/etcd-ops/restore-job:0.1.0", List.of("java", "-jar", "/app.jar"), List.of("x")))
                .isInstanceOf(ContainerImages.JvmMain.class);
        assertThatThrownBy(() -> images.resolve("restore", "ghcr.io/etcd-ops/restore-job:0.1.0", List.of("/bin/sh"), List.of()))
                .isInstanceOf(UnsupportedContainerException.class);
    }

    @Test
    void variableExpansionFollowsKubernetes() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOSTNAME", "etcd-1");
        env.put("SERVICE_NAME", "etcd");
        assertThat(PodSandbox.expand("http://$(HOSTNAME).$(SERVICE_NAME):2380", env)).isEqualTo("http://etcd-1.etcd:2380");
        assertThat(PodSandbox.expand("$(UNKNOWN)-$$(HOSTNAME)", env)).isEqualTo("$(UNKNOWN)-$(HOSTNAME)");
    }

    @Test
    void mountPathsBecomeTheirFoldersInOnePass() {
        Map<String, Path> mounts = new LinkedHashMap<>();
        mounts.put("/bitnami/etcd", Path.of("/sim/pvc/data-etcd-0"));
        mounts.put("/tmp", Path.of("/tmp/sim/empty"));
        assertThat(PodSandbox.mapPaths("/bitnami/etcd/data", mounts)).isEqualTo("/sim/pvc/data-etcd-0/data");
        assertThat(PodSandbox.mapPaths("--data-dir=/tmp/x", mounts)).isEqualTo("--data-dir=/tmp/sim/empty/x");
        assertThat(PodSandbox.mapPaths("jwt,priv-key=/bitnami/etcd/key.pem,ttl=10m", mounts))
                .isEqualTo("jwt,priv-key=/sim/pvc/data-etcd-0/key.pem,ttl=10m");
        assertThat(PodSandbox.mapPaths("/tmpfiles", mounts)).isEqualTo("/tmpfiles");
        assertThat(PodSandbox.mapPaths("http://etcd-0:2379/tmp", mounts)).isEqualTo("http://etcd-0:2379/tmp");

        Path rootfs = Path.of("/sim/pods/p/rootfs/etcd");
        assertThat(PodSandbox.etcdDirsIntoRootfs(List.of("etcd", "--data-dir", "/var/lib/etcd", "--wal-dir=/sim/pvc/x"), rootfs, Path.of("/sim")))
                .containsExactly("etcd", "--data-dir", "/sim/pods/p/rootfs/etcd/var/lib/etcd", "--wal-dir=/sim/pvc/x");
    }

    @Test
    void aPodsWildcardAndLoopbackListenAddressesBecomeItsOwn() {
        String ip = "127.88.1.5";
        assertThat(PodNetwork.podLocalHosts("http://0.0.0.0:2379", ip)).isEqualTo("http://127.88.1.5:2379");
        assertThat(PodNetwork.podLocalHosts("http://0.0.0.0:2379,http://127.0.0.1:2379", ip)).isEqualTo("http://127.88.1.5:2379");
        assertThat(PodNetwork.podLocalHosts("--endpoints=localhost:2379", ip)).isEqualTo("--endpoints=127.88.1.5:2379");
        assertThat(PodNetwork.podLocalHosts("http://etcd-0.etcd:2380,http://127.0.0.10:2380", ip)).isEqualTo("http://etcd-0.etcd:2380,http://127.0.0.10:2380");
    }

    @Test
    void podNamesResolveToStableLoopbackAddresses(@TempDir Path dir) throws Exception {
        PodNetwork net = new PodNetwork(dir.resolve("hosts"));
        net.registerPod("default", "etcd-0", "etcd");
        String ip = net.ipFor("default", "etcd-0");
        assertThat(ip).startsWith("127.").doesNotStartWith("127.0.0.");
        assertThat(net.ipFor("default", "etcd-0")).isEqualTo(ip);
        assertThat(net.ipFor("default", "etcd-1")).isNotEqualTo(ip);
        assertThat(net.resolve(URI.create("https://etcd-0.etcd.default.svc.cluster.local:2379"))).isEqualTo(URI.create("https://" + ip + ":2379"));
        assertThat(net.resolve(URI.create("http://etcd-0.etcd:2379"))).isEqualTo(URI.create("http://" + ip + ":2379"));
        assertThat(net.resolve(URI.create("http://etcd.default.svc.cluster.local:2379"))).as("a Service name is not a pod")
                .isEqualTo(URI.create("http://etcd.default.svc.cluster.local:2379"));
        assertThat(Files.readAllLines(dir.resolve("hosts"))).contains("127.0.0.1 localhost")
                .anyMatch(l -> l.startsWith(ip + " ") && l.contains(" etcd-0.etcd.default.svc.cluster.local"));
    }
}
