package io.etcdops.health.action;

/**
 * One mutating operation per cluster at a time (docs/design.md safety invariant 4). Actions hold the lock for their whole
 * run. On Kubernetes (a {@code --statefulset} target) it is the {@code etcd-ops-<sts>} Lease
 * ({@code io.etcdops.health.kube.LeaseClusterLock}); on VMs {@link NoClusterLock}.
 */
public interface ClusterLock {

    /**
     * Takes the lock for {@code operation} or throws a {@link io.etcdops.core.runtime.JobException} (refused) when
     * another operation holds it.
     */
    Held acquire(String operation);

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {

        /** Throws a {@link io.etcdops.core.runtime.JobException} when the lock was lost; called before every change. */
        default void ensureHeld() {
        }

        @Override
        void close();
    }
}
