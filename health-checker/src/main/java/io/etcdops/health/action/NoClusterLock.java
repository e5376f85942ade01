package io.etcdops.health.action;

/**
 * No cross-process lock: for etcd on VMs or a laptop, where there is no Kubernetes Lease to take. Runs are then
 * serialised only by whoever schedules them (one cron entry, one operator); say so in the run's log.
 */
public final class NoClusterLock implements ClusterLock {

    @Override
    public Held acquire(String operation) {
        return () -> {
        };
    }

    @Override
    public String toString() {
        return "none (VM mode: no cluster-wide lock)";
    }
}
