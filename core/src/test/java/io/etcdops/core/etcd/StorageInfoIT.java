package io.etcdops.core.etcd;

import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdClusterSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** etcd 3.6's status fields (storage version, quota, downgrade), read through jetcd's 3.5-level protos, on real etcd. */
class StorageInfoIT {
    private static final long QUOTA = 123_456_789L;

    private static EtcdConnectionConfig config(EtcdCluster c) {
        return new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(c.endpoints()), null, null, null, null, null,
                Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void etcd36ReportsItsStorageVersionAndTheQuotaItRunsWith() {
        try (EtcdCluster c = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_6, 1).withQuota(QUOTA));
             EtcdSession s = EtcdSession.open(config(c))) {
            MemberStatus st = s.view().statuses().get(0);
            assertThat(st.version()).isEqualTo(EtcdBinaries.V3_6);
            assertThat(st.storage().storageVersion()).isEqualTo("3.6.0");
            assertThat(st.storage().dbSizeQuota()).isEqualTo(QUOTA);
            assertThat(st.storage().downgradeEnabled()).isFalse();
            assertThat(st.storage().known()).isTrue();
            // the 3.5 fields still come through the same call
            assertThat(st.healthy()).isTrue();
            assertThat(st.dbSize()).isPositive();
        }
    }

    @Test
    void etcd35SendsNoneOfThem() {
        try (EtcdCluster c = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_5, 1).withQuota(QUOTA));
             EtcdSession s = EtcdSession.open(config(c))) {
            MemberStatus st = s.view().statuses().get(0);
            assertThat(st.healthy()).isTrue();
            assertThat(st.storage()).isEqualTo(StorageInfo.UNKNOWN);
            assertThat(st.storage().known()).isFalse();
        }
    }

    /** A downgrade enabled with etcdctl shows in every member's status until it is cancelled. */
    @Test
    void etcd37ShowsAnEnabledDowngradeAndItsTarget() {
        try (EtcdCluster c = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_7, 1));
             EtcdSession s = EtcdSession.open(config(c))) {
            assertThat(s.view().statuses().get(0).storage().downgradeEnabled()).isFalse();
            c.etcdctl("downgrade", "enable", "3.6");
            StorageInfo st = s.view().statuses().get(0).storage();
            assertThat(st.storageVersion()).isEqualTo("3.7.0");
            assertThat(st.downgradeEnabled()).isTrue();
            assertThat(st.downgradeTargetVersion()).isEqualTo("3.6.0");
            c.etcdctl("downgrade", "cancel");
            assertThat(s.view().statuses().get(0).storage().downgradeEnabled()).isFalse();
        }
    }
}
