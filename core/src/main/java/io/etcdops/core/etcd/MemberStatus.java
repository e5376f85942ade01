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

    /** Reachable, reports no errors and knows a leader. */
    public boolean healthy() {
        return reachable && errors.isEmpty() && leaderId != 0;
    }

    public boolean isLeader() {
        return reachable && member != null && leaderId == member.id();
    }
}
