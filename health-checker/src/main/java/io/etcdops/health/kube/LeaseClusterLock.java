package io.etcdops.health.kube;

import io.etcdops.core.kube.ClusterLease;
import io.etcdops.health.action.ClusterLock;

/**
 * The cluster lock on Kubernetes: core's {@link ClusterLease}, the {@code etcd-ops-<statefulset>} Lease every etcd-ops
 * operation on that StatefulSet takes (restore, member replacement, upgrade, health-checker's actions). Taking it while
 * another holder's lease is current is refused (exit 3) naming the holder; it is renewed while held and released on
 * close; a crashed holder's lease expires by itself.
 */
public final class LeaseClusterLock implements ClusterLock {

    private final ClusterLease lease;
    private final String namespace;

    public LeaseClusterLock(ClusterLease lease, String namespace) {
        this.lease = lease;
        this.namespace = namespace;
    }

    @Override
    public Held acquire(String operation) {
        ClusterLease.Held held = lease.acquire(operation);
        return new Held() {
            @Override
            public void ensureHeld() {
                held.ensureHeld();
            }

            @Override
            public void close() {
                held.close();
            }
        };
    }

    @Override
    public String toString() {
        return "Kubernetes Lease " + namespace + "/" + lease.name();
    }
}
