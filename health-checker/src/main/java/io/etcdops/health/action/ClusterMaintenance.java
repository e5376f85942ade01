package io.etcdops.health.action;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;

import java.time.Duration;
import java.util.List;

/**
 * The etcd calls the maintenance actions make. {@link EtcdMaintenance} is the real one; unit tests script
 * cluster states with a fake to break the ordering and guard rules.
 */
public interface ClusterMaintenance {

    /** A fresh view: member list, every member's status, alarms. */
    ClusterView view();

    /** Defragments one member, giving up after {@code deadline}; throws JobException on failure or timeout. */
    void defragment(MemberStatus member, Duration deadline);

    /** The cluster's current revision. */
    long currentRevision();

    /** Compacts the key history up to {@code revision}, waiting until the compaction is applied (physical). */
    void compact(long revision);

    /** The active alarms. */
    List<Alarm> alarms();

    /** Disarms the NOSPACE alarm of one member. There is deliberately no way to disarm anything else. */
    void disarmNospace(long memberId);
}
