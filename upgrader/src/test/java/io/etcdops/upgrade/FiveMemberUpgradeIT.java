package io.etcdops.upgrade;

import io.etcdops.testkit.etcd.EtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** 3.6.16 -> 3.7.3 on 5 real members: four followers one by one, then one leadership move, then the old leader. */
class FiveMemberUpgradeIT {

    @Test
    void upgrades36To37OnFiveMembersLeaderLast(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_6, 5, "RollingUpdate", tmp)) {
            var r = PatchUpgradeIT.upgradeLeaderLast(etcd, EtcdBinaries.V3_7, "minor-upgrade");
            assertThat(r.path("members")).hasSize(5);
            for (int i = 0; i < 5; i++) {
                assertThat(etcd.version(i)).containsEntry("server", EtcdBinaries.V3_7).containsEntry("cluster", "3.7.0");
            }
        }
    }
}
