package io.etcdops.health;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.StorageInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What etcd 3.6+ members say about their storage in their status: the storage (data-dir schema) version of each, a
 * downgrade in progress, and the backend quota each runs with. 3.5 members say nothing: no finding then.
 */
final class StorageFindings {

    private StorageFindings() {
    }

    static List<Finding> findings(ClusterView view) {
        List<MemberStatus> known = view.statuses().stream().filter(MemberStatus::reachable).filter(s -> s.storage().known()).toList();
        List<Finding> out = new ArrayList<>();
        if (known.isEmpty()) {
            return out;
        }
        Map<String, List<String>> byVersion = new TreeMap<>(known.stream().filter(s -> !s.storage().storageVersion().isEmpty())
                .collect(Collectors.groupingBy(s -> s.storage().storageVersion(),
                        Collectors.mapping(s -> s.member().label(), Collectors.toList()))));
        boolean sameBinaries = known.stream().map(MemberStatus::version).distinct().count() == 1;
        if (byVersion.size() > 1 && sameBinaries) {
            // every member runs the same etcd: they are converging (etcd moves a data dir's storage version to the
            // cluster version a few seconds after a start, an upgrade or a downgrade enable), seen on every fresh 3.6
            // cluster; a downgrade in progress has its own finding below
            out.add(Finding.ok("storage-version", Finding.CLUSTER, "storage versions converging " + byVersion
                    + ": every member runs etcd " + known.get(0).version() + " (normal for a few seconds after a start or upgrade)"));
        } else if (byVersion.size() > 1) {
            out.add(Finding.warning("storage-version", Finding.CLUSTER, "members' data dirs have different storage versions " + byVersion,
                    "Normal only during an upgrade or downgrade (the storage version follows the cluster version); finish it with upgrader."));
        } else if (byVersion.size() == 1) {
            out.add(Finding.ok("storage-version", Finding.CLUSTER, "storage version " + byVersion.keySet().iterator().next()));
        }
        List<MemberStatus> downgrading = known.stream().filter(s -> s.storage().downgradeEnabled()).toList();
        if (!downgrading.isEmpty()) {
            String target = downgrading.get(0).storage().downgradeTargetVersion();
            out.add(Finding.warning("downgrade", Finding.CLUSTER, "a downgrade to " + target + " is in progress (reported by "
                            + downgrading.stream().map(s -> s.member().label()).toList() + ")",
                    "Finish it (replace every member's binary with " + target + ", upgrader) or cancel it: etcdctl downgrade cancel."));
        }
        return out;
    }

    /** The largest quota any member reports running with (etcd 3.6+), if one does. */
    static Optional<Long> quotaFromMembers(ClusterView view) {
        return view.statuses().stream().filter(MemberStatus::reachable).map(MemberStatus::storage)
                .map(StorageInfo::dbSizeQuota).filter(q -> q > 0).max(Long::compare);
    }
}
