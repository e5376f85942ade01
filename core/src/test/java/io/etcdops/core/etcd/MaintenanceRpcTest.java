package io.etcdops.core.etcd;

import io.etcdops.core.etcd.MaintenanceRpc.DowngradeAction;
import io.etcdops.core.etcd.MaintenanceRpc.VersionStatus;
import io.etcdops.core.runtime.JobException;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-marshalled Downgrade and Status calls, byte for byte and against real etcd 3.6.16 and 3.5.36. */
class MaintenanceRpcTest {

    @Test
    void downgradeRequestBytesAreWhatProtobufWrites() {
        // protoc's encoding of DowngradeRequest{action: ENABLE, version: "3.5"}: 08 01 12 03 '3' '.' '5'
        assertThat(HexFormat.of().formatHex(MaintenanceRpc.encodeDowngrade(DowngradeAction.ENABLE, "3.5"))).isEqualTo("0801120333" + "2e35");
        // VALIDATE is the enum's zero: protobuf leaves the field out
        assertThat(HexFormat.of().formatHex(MaintenanceRpc.encodeDowngrade(DowngradeAction.VALIDATE, "3.6"))).isEqualTo("1203332e36");
        assertThat(MaintenanceRpc.encodeDowngrade(DowngradeAction.CANCEL, null)).containsExactly(0x08, 0x02);
    }

    @Test
    void statusOfA36MemberCarriesStorageVersionAndDowngradeInfo_theProtocolRunsAndCancels() {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_6, 1)) {
            EtcdConnectionConfig cfg = config(c);
            URI u = URI.create(c.member(0).clientUrl());
            VersionStatus s = MaintenanceRpc.status(cfg, u);
            assertThat(s.version()).isEqualTo(EtcdBinaries.V3_6);
            assertThat(s.storageVersion()).isEqualTo("3.6.0");
            assertThat(s.downgradeEnabled()).isFalse();
            assertThat(s.memberId()).isNotZero().isEqualTo(s.leader());

            assertThat(MaintenanceRpc.downgrade(cfg, u, DowngradeAction.VALIDATE, "3.5")).isEqualTo("3.6");
            assertThatThrownBy(() -> MaintenanceRpc.downgrade(cfg, u, DowngradeAction.VALIDATE, "3.4"))
                    .isInstanceOf(JobException.class).hasMessageContaining("invalid downgrade target version");

            MaintenanceRpc.downgrade(cfg, u, DowngradeAction.ENABLE, "3.5");
            Poll.until("storage version 3.5.0", Duration.ofSeconds(30), () -> "3.5.0".equals(MaintenanceRpc.status(cfg, u).storageVersion()),
                    () -> MaintenanceRpc.status(cfg, u).toString());
            VersionStatus enabled = MaintenanceRpc.status(cfg, u);
            assertThat(enabled.downgradeEnabled()).isTrue();
            assertThat(enabled.downgradeTarget()).isEqualTo("3.5.0");

            MaintenanceRpc.downgrade(cfg, u, DowngradeAction.CANCEL, null);
            Poll.until("downgrade cancelled", Duration.ofSeconds(30), () -> !MaintenanceRpc.status(cfg, u).downgradeEnabled(), () -> "");
        }
    }

    @Test
    void a35MemberHasNoStorageVersion() {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_5, 1)) {
            VersionStatus s = MaintenanceRpc.status(config(c), URI.create(c.member(0).clientUrl()));
            assertThat(s.version()).isEqualTo(EtcdBinaries.V3_5);
            assertThat(s.storageVersion()).isEmpty();
            assertThat(s.downgradeEnabled()).isFalse();
        }
    }

    private static EtcdConnectionConfig config(EtcdCluster c) {
        return new EtcdConnectionConfig(List.of(URI.create(c.member(0).clientUrl())), null, null, null, null, null,
                Duration.ofSeconds(5), Duration.ofSeconds(10));
    }
}
