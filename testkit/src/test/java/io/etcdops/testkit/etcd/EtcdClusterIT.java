package io.etcdops.testkit.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The testkit's own proof: real etcd clusters come up, lose and regain members, and survive binary swaps. */
class EtcdClusterIT {

    @ParameterizedTest(name = "3-member etcd {0} elects a leader")
    @ValueSource(strings = {EtcdBinaries.V3_4, EtcdBinaries.V3_5_OLD, EtcdBinaries.V3_5, EtcdBinaries.V3_6_OLD,
            EtcdBinaries.V3_6, EtcdBinaries.V3_7})
    void threeMembersElectALeader(String version) throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(version, 3); Client c = cluster.client()) {
            assertThat(c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers()).hasSize(3);
            long leader = c.getMaintenanceClient().statusMember(cluster.member(0).clientUrl()).get(10, TimeUnit.SECONDS).getLeader();
            assertThat(leader).isNotZero();
            String version0 = c.getMaintenanceClient().statusMember(cluster.member(0).clientUrl()).get(10, TimeUnit.SECONDS).getVersion();
            assertThat(version0).isEqualTo(version);
        }
    }

    @Test
    void killedMemberRejoinsWithItsData() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.DEFAULT, 3)) {
            cluster.member(2).kill();
            assertThat(cluster.member(2).running()).isFalse();
            cluster.put("/k/written-while-down", "v1");
            cluster.member(2).start();
            cluster.waitHealthy(Duration.ofSeconds(20));
            try (Client only2 = cluster.client(cluster.member(2).clientUrl())) {
                GetResponse r = only2.getKVClient().get(bytes("/k/written-while-down")).get(10, TimeUnit.SECONDS);
                assertThat(r.getKvs()).hasSize(1);
            }
        }
    }

    @Test
    void memberRestartedOnNewerBinaryKeepsItsData() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 3)) {
            cluster.put("/k/before-upgrade", "v1");
            cluster.member(0).restartWith(EtcdBinaries.V3_7);
            cluster.waitHealthy(Duration.ofSeconds(20));
            try (Client c0 = cluster.client(cluster.member(0).clientUrl())) {
                assertThat(c0.getMaintenanceClient().statusMember(cluster.member(0).clientUrl()).get(10, TimeUnit.SECONDS).getVersion())
                        .isEqualTo(EtcdBinaries.V3_7);
                assertThat(c0.getKVClient().get(bytes("/k/before-upgrade")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
            }
        }
    }

    @Test
    void fillWritesKubernetesLikeValues() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.DEFAULT, 1); Client c = cluster.client()) {
            DataFiller.Result r = cluster.fill(2 * 1024 * 1024, 8 * 1024);
            long count = c.getKVClient().get(bytes("/registry/"), io.etcd.jetcd.options.GetOption.builder()
                    .isPrefix(true).withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getCount();
            assertThat(count).isEqualTo(r.keys());
            assertThat(r.bytes()).isGreaterThanOrEqualTo(2 * 1024 * 1024);
        }
    }

    @Test
    void missingVersionFailsWithTheInstallCommand() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EtcdBinaries.of("3.9.99"))
                .hasMessageContaining("3.9.99").hasMessageContaining("install-test-deps.sh");
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
