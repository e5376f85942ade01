package io.etcdops.replacer;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed pod built from etcd's docs StatefulSet: what it runs, on which volume, where, and what it leaves out. */
class SeedPodTest {

    @Test
    void seedJoinsAsTheReplicaWithTheTemplatesImageAndFlags_onTheReplicasClaim() {
        StatefulSet sts = EtcdStatefulSets.flagStyle().version("3.5.30").statefulSet();
        sts.getMetadata().setUid("sts-uid");
        StatefulSetTarget t = StatefulSetTarget.from(sts, TargetOverrides.none());
        List<MemberInfo> voters = List.of(
                new MemberInfo(1, "etcd-0", List.of(URI.create("http://etcd-0.etcd:2380")), List.of(), false),
                new MemberInfo(3, "etcd-2", List.of(URI.create("http://etcd-2.etcd:2380")), List.of(), false));

        Pod p = SeedPod.build(t, 1, voters, "node-a", "ghcr.io/etcd-ops/member-replacer:1.0");

        assertThat(p.getMetadata().getName()).isEqualTo("etcd-1-seed");
        assertThat(p.getMetadata().getLabels()).containsEntry(SeedPod.SEED_FOR_LABEL, "etcd-1").doesNotContainKey("app");
        assertThat(p.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getUid()).isEqualTo("sts-uid");
            assertThat(o.getController()).isFalse();
        });
        assertThat(p.getSpec().getNodeName()).isEqualTo("node-a");
        assertThat(p.getSpec().getHostname()).isNull();
        assertThat(p.getSpec().getRestartPolicy()).isEqualTo("OnFailure");
        assertThat(p.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("etcd-data");
            assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("etcd-data-etcd-1");
        });

        Container wipe = p.getSpec().getInitContainers().get(0);
        assertThat(wipe.getImage()).isEqualTo("ghcr.io/etcd-ops/member-replacer:1.0");
        assertThat(wipe.getArgs()).containsExactly("wipe-data-dir", "--dir", "/data");
        assertThat(wipe.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/data");
        assertThat(wipe.getSecurityContext().getRunAsUser()).as("etcd's official images run as root").isZero();

        Container etcd = p.getSpec().getContainers().get(0);
        assertThat(etcd.getImage()).isEqualTo("quay.io/coreos/etcd:v3.5.30");
        assertThat(etcd.getCommand()).containsExactly("/usr/local/bin/etcd");
        assertThat(etcd.getReadinessProbe()).isNull();
        assertThat(etcd.getPorts()).isEmpty();
        assertThat(etcd.getArgs()).contains("--data-dir=/data", "--wal-dir=/data/wal", "--listen-metrics-urls=http://0.0.0.0:8080",
                        "--name=etcd-1", "--initial-cluster-state=existing",
                        "--initial-cluster=etcd-0=http://etcd-0.etcd:2380,etcd-2=http://etcd-2.etcd:2380,etcd-1=http://$(ETCD_OPS_SEED_IP):2380",
                        "--initial-advertise-peer-urls=http://$(ETCD_OPS_SEED_IP):2380",
                        "--advertise-client-urls=http://$(ETCD_OPS_SEED_IP):2379")
                .doesNotContain("--initial-cluster-state=new", "--name=$(HOSTNAME)")
                .filteredOn(a -> a.startsWith("--initial-cluster=")).hasSize(1);
        assertThat(etcd.getEnv()).extracting(EnvVar::getName).startsWith(SeedPod.IP_ENV).contains("SERVICE_NAME");
        assertThat(etcd.getEnv().get(0).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        assertThat(p.getMetadata().getAnnotations()).as("downward-API env reads the template's annotations")
                .containsEntry("serviceName", "etcd");
    }

    @Test
    void overriddenFlagsAreDroppedInEverySpelling_andTheirEnvVariablesToo() {
        assertThat(SeedPod.stripFlags(List.of("etcd", "--name", "x", "-initial-cluster-state=new", "--data-dir", "/d",
                "--initial-cluster", "a=b", "--client-cert-auth", "--discovery-srv=example.com")))
                .containsExactly("etcd", "--data-dir", "/d", "--client-cert-auth");
        List<EnvVar> env = SeedPod.seedEnv(List.of(new EnvVar("ETCD_INITIAL_CLUSTER_STATE", "new", null),
                new EnvVar("ETCD_DATA_DIR", "/d", null)));
        assertThat(env).extracting(EnvVar::getName).containsExactly(SeedPod.IP_ENV, "ETCD_DATA_DIR");
    }
}
