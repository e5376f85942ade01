package io.etcdops.core.kube;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Discovery from the two StatefulSet shapes in the wild, overrides, and the errors that name what to set. */
class StatefulSetTargetTest {

    @Test
    void flagStyleStatefulSetFromEtcdsDocs() {
        StatefulSetTarget t = StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.DOCS), TargetOverrides.none());

        assertThat(t.etcdContainer()).isEqualTo("etcd");
        assertThat(t.style()).isEqualTo(EtcdContainerSettings.Style.FLAGS);
        assertThat(t.replicas()).isEqualTo(3);
        assertThat(t.podNames()).containsExactly("etcd-0", "etcd-1", "etcd-2");
        assertThat(t.service()).isEqualTo("etcd");
        assertThat(t.client()).isEqualTo(new StatefulSetTarget.Listener("http", 2379));
        assertThat(t.peer()).isEqualTo(new StatefulSetTarget.Listener("http", 2380));
        assertThat(t.imageVersion()).contains("3.6.16");
        assertThat(t.data()).isEqualTo(new StatefulSetTarget.DataVolume("/data", "etcd-data", "/data", Optional.of("/data/wal")));
        assertThat(t.dataClaimName(2)).isEqualTo("etcd-data-etcd-2");
        assertThat(t.tlsMounts()).isEmpty();
        assertThat(t.clientCertAuth()).isFalse();
        assertThat(t.clientEndpoints()).containsExactly(URI.create("http://etcd-0.etcd.default.svc.cluster.local:2379"),
                URI.create("http://etcd-1.etcd.default.svc.cluster.local:2379"), URI.create("http://etcd-2.etcd.default.svc.cluster.local:2379"));
        assertThat(t.peerUrl(1)).isEqualTo(URI.create("http://etcd-1.etcd.default.svc.cluster.local:2380"));
        assertThat(t.clientEndpoints(u -> URI.create("http://10.0.0.1:" + u.getPort()))).allMatch(u -> u.getHost().equals("10.0.0.1"));
    }

    @Test
    void envStyleStatefulSetOfTheBitnamiChart() {
        StatefulSetTarget t = StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.BITNAMI), TargetOverrides.none());

        assertThat(t.style()).isEqualTo(EtcdContainerSettings.Style.ENV);
        assertThat(t.service()).isEqualTo("etcd-headless");
        assertThat(t.client()).isEqualTo(new StatefulSetTarget.Listener("https", 2379));
        assertThat(t.peer()).isEqualTo(new StatefulSetTarget.Listener("http", 2380));
        assertThat(t.imageVersion()).contains("3.6.16");
        assertThat(t.data()).isEqualTo(new StatefulSetTarget.DataVolume("/bitnami/etcd/data", "data", "/bitnami/etcd", Optional.empty()));
        assertThat(t.clientCertAuth()).isTrue();
        assertThat(t.tlsMounts()).containsExactly(
                new StatefulSetTarget.TlsMount("ETCD_CERT_FILE", "/opt/bitnami/etcd/certs/client/tls.crt", "etcd-client-certs", "etcd-client-certs"),
                new StatefulSetTarget.TlsMount("ETCD_KEY_FILE", "/opt/bitnami/etcd/certs/client/tls.key", "etcd-client-certs", "etcd-client-certs"),
                new StatefulSetTarget.TlsMount("ETCD_TRUSTED_CA_FILE", "/opt/bitnami/etcd/certs/client/ca.crt", "etcd-client-certs", "etcd-client-certs"));
        assertThat(t.clientUrl(0)).isEqualTo(URI.create("https://etcd-0.etcd-headless.default.svc.cluster.local:2379"));
        assertThat(t.describe()).contains("etcd-client-certs", "settings as env", "https:2379");
    }

    @Test
    void explicitOptionsWinOverDiscovery() {
        StatefulSetTarget t = StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.DOCS), TargetOverrides.of(Map.of(
                TargetOverrides.CLIENT_PORT, "12379", TargetOverrides.CLIENT_SCHEME, "https", TargetOverrides.ETCD_VERSION, "v3.5.17",
                TargetOverrides.CLUSTER_DOMAIN, "corp.example", TargetOverrides.SERVICE, "etcd-peers")));
        assertThat(t.clientUrl(0)).isEqualTo(URI.create("https://etcd-0.etcd-peers.default.svc.corp.example:12379"));
        assertThat(t.imageVersion()).contains("3.5.17");

        StatefulSetTarget pinned = StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.DOCS),
                TargetOverrides.of(Map.of(TargetOverrides.TARGET_ENDPOINTS, "10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379")));
        assertThat(pinned.clientEndpoints()).containsExactly(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379"),
                URI.create("http://10.0.0.3:2379"));

        assertThatThrownBy(() -> TargetOverrides.of(Map.of(TargetOverrides.CLIENT_PORT, "twenty")))
                .isInstanceOf(JobException.class).hasMessageContaining("--client-port");
        assertThatThrownBy(() -> TargetOverrides.of(Map.of(TargetOverrides.PEER_SCHEME, "grpc")))
                .isInstanceOf(JobException.class).hasMessageContaining("--peer-scheme");
    }

    @Test
    void aStatefulSetThatIsNotEtcdIsAUsageErrorNamingTheOption() {
        assertThatThrownBy(() -> StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.NOT_ETCD), TargetOverrides.none()))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("StatefulSet default/web does not run etcd")
                .hasMessageContaining("nginx (registry.k8s.io/nginx-slim:0.27)")
                .hasMessageContaining("--etcd-container");
    }

    @Test
    void etcdWithoutAPersistentDataVolumeIsAUsageError() {
        assertThatThrownBy(() -> StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.EMPTYDIR), TargetOverrides.none()))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("data dir /var/lib/etcd is on volume data (emptyDir), not on one of its volumeClaimTemplates")
                .hasMessageContaining("--data-volume");

        StatefulSet noDataDir = Fixtures.statefulSet(Fixtures.DOCS);
        noDataDir.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().removeIf(a -> a.startsWith("--data-dir"));
        assertThatThrownBy(() -> StatefulSetTarget.from(noDataDir, TargetOverrides.none()))
                .isInstanceOf(JobException.class)
                .hasMessageContaining("sets no --data-dir (ETCD_DATA_DIR)")
                .hasMessageContaining("lost with the pod");

        StatefulSet offVolume = Fixtures.statefulSet(Fixtures.DOCS);
        List<String> args = offVolume.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        args.replaceAll(a -> a.startsWith("--data-dir") ? "--data-dir=/var/lib/etcd" : a);
        assertThatThrownBy(() -> StatefulSetTarget.from(offVolume, TargetOverrides.none()))
                .isInstanceOf(JobException.class)
                .hasMessageContaining("data dir /var/lib/etcd is on no volume (mounts: etcd-data at /data)");
    }

    @Test
    void aMissingStatefulSetIsAUsageError() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            assertThatThrownBy(() -> StatefulSetTarget.discover(sim.client(), "default", "etcd", TargetOverrides.none()))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                    .hasMessage("StatefulSet default/etcd not found (--statefulset, --namespace)");
            assertThatThrownBy(() -> StatefulSetTarget.discover(sim.client(), "default", null, TargetOverrides.none()))
                    .isInstanceOf(JobException.class).hasMessageContaining("--statefulset (env ETCD_OPS_STATEFULSET)");
        }
    }

    @Test
    void missingServiceNameAndUnknownContainerNameTheirOptions() {
        StatefulSet noService = Fixtures.statefulSet(Fixtures.DOCS);
        noService.getSpec().setServiceName(null);
        assertThatThrownBy(() -> StatefulSetTarget.from(noService, TargetOverrides.none()))
                .isInstanceOf(JobException.class).hasMessageContaining("--service");
        assertThatThrownBy(() -> StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.DOCS),
                TargetOverrides.of(Map.of(TargetOverrides.ETCD_CONTAINER, "server"))))
                .isInstanceOf(JobException.class).hasMessageContaining("no container named server (--etcd-container)");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "quay.io/coreos/etcd:v3.5.30, 3.5.30",
            "registry.k8s.io/etcd:3.5.16-0, 3.5.16",
            "gcr.io/etcd-development/etcd:v3.4.23, 3.4.23",
            "bitnami/etcd:3.5.30, 3.5.30",
            "docker.io/bitnami/etcd:3.5.16-debian-12-r0, 3.5.16",
            "registry.local:5000/etcd:v3.6.1, 3.6.1",
            "quay.io/coreos/etcd@sha256:0123abcd, ''",
            "quay.io/coreos/etcd:latest, ''",
            "registry.local:5000/etcd, ''"})
    void versionFromTheImageTag(String image, String version) {
        assertThat(TargetDiscovery.versionFromImage(image)).isEqualTo(version.isEmpty() ? Optional.empty() : Optional.of(version));
    }

    @Test
    void membersConfirmOrContradictTheImageTag() {
        StatefulSetTarget t = StatefulSetTarget.from(Fixtures.statefulSet(Fixtures.DOCS), TargetOverrides.none());
        assertThat(t.checkVersion(List.of("3.6.16", "3.6.16", "3.6.16")).consistent()).isTrue();
        StatefulSetTarget.VersionCheck mixed = t.checkVersion(List.of("3.6.10", "3.6.16"));
        assertThat(mixed.consistent()).isFalse();
        assertThat(mixed.version()).isEmpty();
        assertThat(t.checkVersion(List.of("3.6.10")).consistent()).as("tag says 3.6.16").isFalse();
    }
}
