package io.etcdops.testkit.etcd;

import java.util.List;

/**
 * What cluster to start. {@code tls} secures the client URLs with a test CA and requires client certificates;
 * {@code auth} creates user root with {@link EtcdCluster#ROOT_PASSWORD} and enables auth.
 */
public record EtcdClusterSpec(String version, int members, boolean tls, boolean auth, long quotaBackendBytes,
                              int snapshotCount, List<String> extraFlags) {

    public static EtcdClusterSpec of(String version, int members) {
        return new EtcdClusterSpec(version, members, false, false, 0, 10000, List.of());
    }

    public EtcdClusterSpec withTls() {
        return new EtcdClusterSpec(version, members, true, auth, quotaBackendBytes, snapshotCount, extraFlags);
    }

    public EtcdClusterSpec withAuth() {
        return new EtcdClusterSpec(version, members, tls, true, quotaBackendBytes, snapshotCount, extraFlags);
    }

    public EtcdClusterSpec withQuota(long bytes) {
        return new EtcdClusterSpec(version, members, tls, auth, bytes, snapshotCount, extraFlags);
    }

    public EtcdClusterSpec withFlags(String... flags) {
        return new EtcdClusterSpec(version, members, tls, auth, quotaBackendBytes, snapshotCount, List.of(flags));
    }
}
