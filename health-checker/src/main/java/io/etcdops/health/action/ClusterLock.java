package io.etcdops.health.action;

/**
 * One mutating operation per cluster at a time (DESIGN.md safety invariant 4). Actions hold the lock for their whole
 * run. On Kubernetes this will be the {@code etcd-ops-<sts>} Lease (not wired yet: it comes with the --statefulset
 * target); on VMs {@link NoClusterLock} is used.
 */
public interface ClusterLock {

    /**
     * Takes the lock for {@code operation} or throws a {@link io.etcdops.core.runtime.JobException} (refused) when
     * another operation holds it.
     */
    Held acquire(String operation);

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
