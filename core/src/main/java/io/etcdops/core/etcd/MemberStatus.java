package io.etcdops.core.etcd;

import java.net.URI;
import java.util.List;

/**
 * What one member said about itself (etcd's Maintenance.Status), or why it could not be asked.
 * {@code reachable == false} means all other fields but {@code error} are zero.
 */
public record MemberStatus(
        MemberInfo member,
        URI endpoint,
        boolean reachable,
        String error,
        String version,
        long dbSize,
        long dbSizeInUse,
        long leaderId,
        long raftIndex,
        long raftTerm,
        long raftAppliedIndex,
        List<String> errors) {

    public static MemberStatus unreachable(MemberInfo member, URI endpoint, String error) {
        return new MemberStatus(member, endpoint, false, error, null, 0, 0, 0, 0, 0, 0, List.of());
    }

    /**
     * Reachable, knows a leader, and reports no errors other than active alarms. etcd lists every active alarm in
     * every member's status ("memberID:... alarm:NOSPACE"); counting those would make the whole cluster look
     * unhealthy during NOSPACE — exactly when a backup is most wanted. Alarms are judged separately.
     */
    public boolean healthy() {
        return reachable && leaderId != 0 && errors.stream().allMatch(e -> e.contains("alarm:"));
    }

    public boolean isLeader() {
        return reachable && member != null && leaderId == member.id();
    }
}
