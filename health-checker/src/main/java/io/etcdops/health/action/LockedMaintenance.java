package io.etcdops.health.action;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;

import java.time.Duration;
import java.util.List;

/**
 * {@link ClusterMaintenance} that checks the cluster lock is still held before every call that changes etcd (defrag,
 * compaction, disarm): a run that lost its Lease (renewals failed, another job took over an expired one) stops
 * before its next change instead of acting without it.
 */
public final class LockedMaintenance implements ClusterMaintenance {

    private final ClusterMaintenance etcd;
    private final ClusterLock.Held lock;

    public LockedMaintenance(ClusterMaintenance etcd, ClusterLock.Held lock) {
        this.etcd = etcd;
        this.lock = lock;
    }

    @Override
    public ClusterView view() {
        return etcd.view();
    }

    @Override
    public void defragment(MemberStatus member, Duration deadline) {
        lock.ensureHeld();
        etcd.defragment(member, deadline);
    }

    @Override
    public long currentRevision() {
        return etcd.currentRevision();
    }

    @Override
    public void compact(long revision) {
        lock.ensureHeld();
        etcd.compact(revision);
    }

    @Override
    public List<Alarm> alarms() {
        return etcd.alarms();
    }

    @Override
    public void disarmNospace(long memberId) {
        lock.ensureHeld();
        etcd.disarmNospace(memberId);
    }
}
