package io.etcdops.core.cli;

import io.etcdops.core.snapshot.SnapshotNames;
import picocli.CommandLine.Option;

/** --cluster-name: the cluster's folder in the store layout {@code <prefix>/<cluster>/...} (a picocli mixin). */
public class ClusterNameOption {

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_CLUSTER_NAME:-etcd}",
            description = "Cluster name in the store layout <prefix>/<cluster>/... (env ETCD_OPS_CLUSTER_NAME; default ${DEFAULT-VALUE}).")
    String clusterName;

    /** The validated name (usage error otherwise). */
    public String get() {
        return SnapshotNames.validateCluster(clusterName);
    }
}
