package io.etcdops.health;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.StorageInfo;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StorageFindingsTest {

    @Test
    void membersOfOneBinaryConvergeButMixedBinariesWarn() {
        // every fresh etcd 3.6 cluster shows this for a few seconds (seen in CI): 3.5.0 until the cluster version settles
        Finding converging = storageFinding(view(m("a", "3.6.16", "3.6.0", false), m("b", "3.6.16", "3.5.0", false)));
        assertThat(converging.severity()).isEqualTo(Severity.OK);
        assertThat(converging.message()).contains("converging").contains("3.6.16");

        Finding upgrading = storageFinding(view(m("a", "3.6.16", "3.6.0", false), m("b", "3.5.36", "", false),
                m("c", "3.6.16", "3.5.0", false)));
        assertThat(upgrading.severity()).isEqualTo(Severity.WARNING);
        assertThat(upgrading.message()).contains("different storage versions");

        // a downgrade just enabled right after a start (HealthCheckIT on 3.7.3): the storage versions converge; the
        // downgrade itself is the warning
        List<Finding> downgrading = StorageFindings.findings(view(m("a", "3.7.3", "3.7.0", true), m("b", "3.7.3", "3.5.0", true)));
        assertThat(downgrading).filteredOn(f -> f.check().equals("storage-version")).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.OK));
        assertThat(downgrading).filteredOn(f -> f.check().equals("downgrade")).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));

        Finding uniform = storageFinding(view(m("a", "3.6.16", "3.6.0", false), m("b", "3.6.16", "3.6.0", false)));
        assertThat(uniform.severity()).isEqualTo(Severity.OK);
        assertThat(uniform.message()).isEqualTo("storage version 3.6.0");
    }

    private static Finding storageFinding(ClusterView v) {
        return StorageFindings.findings(v).stream().filter(f -> f.check().equals("storage-version")).findFirst().orElseThrow();
    }

    private static MemberStatus m(String name, String server, String storage, boolean downgrade) {
        MemberInfo info = new MemberInfo(name.hashCode(), name, List.of(URI.create("http://" + name + ":2380")),
                List.of(URI.create("http://" + name + ":2379")), false);
        return new MemberStatus(info, URI.create("http://" + name + ":2379"), true, null, server, 1, 1, 1, 1, 1, 1, List.of(),
                new StorageInfo(storage, 2L << 30, downgrade, downgrade ? "3.6.0" : ""));
    }

    private static ClusterView view(MemberStatus... statuses) {
        List<MemberInfo> members = new ArrayList<>();
        for (MemberStatus s : statuses) {
            members.add(s.member());
        }
        return new ClusterView(1, members, List.of(statuses), List.of());
    }
}
