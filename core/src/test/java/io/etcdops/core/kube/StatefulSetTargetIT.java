package io.etcdops.core.kube;

import io.etcd.jetcd.ByteSequence;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Discovery against StatefulSets running in the Kubernetes simulation: the flag-style one of etcd's docs comes up as a
 * real 3-member etcd 3.6.16 cluster that the discovered endpoints reach; the Bitnami one is discovered from the API,
 * while its pods fail explicitly because the image's shell scripts cannot run here.
 */
class StatefulSetTargetIT {
    private static final Duration UP = Duration.ofSeconds(90);

    @Test
    void etcdDocsStatefulSetIsARealClusterReachableThroughDiscovery() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            sim.apply(Fixtures.stream(Fixtures.DOCS));
            sim.awaitStatefulSetReady("etcd", UP);

            StatefulSetTarget target = StatefulSetTarget.discover(sim.client(), "default", "etcd", TargetOverrides.none());
            EndpointResolver resolver = sim::resolve;
            EtcdConnectionConfig config = new EtcdConnectionConfig(target.clientEndpoints(resolver), null, null, null, null, null,
                    Duration.ofSeconds(5), Duration.ofSeconds(10));
            try (EtcdSession session = EtcdSession.open(config)) {
                List<MemberInfo> members = session.memberList();
                assertThat(members).extracting(MemberInfo::name).containsExactlyInAnyOrderElementsOf(target.podNames());
                for (MemberInfo m : members) {
                    int ordinal = target.podNames().indexOf(m.name());
                    // the docs' StatefulSet advertises the short form <pod>.<svc>; discovery uses the FQDN: same address
                    assertThat(resolver.resolve(m.peerUrls().get(0))).isEqualTo(resolver.resolve(target.peerUrl(ordinal)));
                }
                session.client().getKVClient().put(bytes("/discovered"), bytes("yes")).get(10, TimeUnit.SECONDS);
                List<String> versions = new ArrayList<>();
                for (URI u : target.clientEndpoints(resolver)) {
                    versions.add(session.client().getMaintenanceClient().statusMember(u.toString()).get(10, TimeUnit.SECONDS).getVersion());
                    assertThat(session.client().getKVClient().get(bytes("/discovered")).get(10, TimeUnit.SECONDS).getCount()).isEqualTo(1);
                }
                StatefulSetTarget.VersionCheck check = target.checkVersion(versions);
                assertThat(check.consistent()).as(check.describe()).isTrue();
                assertThat(check.version()).contains("3.6.16");
            }
        }
    }

    @Test
    void bitnamiStatefulSetIsDiscoveredButItsScriptsCannotRunHere() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            sim.apply(new SecretBuilder().withNewMetadata().withName("etcd-client-certs").endMetadata()
                    .addToStringData("tls.crt", "-").addToStringData("tls.key", "-").addToStringData("ca.crt", "-").build());
            sim.apply(new SecretBuilder().withNewMetadata().withName("etcd-jwt-token").endMetadata()
                    .addToStringData("jwt-token.pem", "-").build());
            sim.apply(new SecretBuilder().withNewMetadata().withName("etcd").endMetadata()
                    .addToStringData("etcd-root-password", "pw").build());
            sim.apply(Fixtures.stream(Fixtures.BITNAMI));

            StatefulSetTarget target = StatefulSetTarget.discover(sim.client(), "default", "etcd", TargetOverrides.none());
            assertThat(target.style()).isEqualTo(EtcdContainerSettings.Style.ENV);
            assertThat(target.clientEndpoints()).first().isEqualTo(URI.create("https://etcd-0.etcd-headless.default.svc.cluster.local:2379"));
            assertThat(target.dataClaimName(0)).isEqualTo("data-etcd-0");

            Poll.until("the simulation refuses the Bitnami entrypoint", UP, () -> !sim.errors().isEmpty(), () -> sim.describePods("etcd"));
            assertThat(sim.errors()).allSatisfy(e -> assertThat(e).contains("Bitnami image's shell scripts"));
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
