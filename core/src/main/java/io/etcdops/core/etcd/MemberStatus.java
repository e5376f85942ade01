package io.etcdops.core.etcd;

import java.net.URI;
import java.util.List;

/**
 * What one member said about itself (etcd's Maintenance.Status), or why it could not be asked.
 * {@code reachable == false} means all other fields but {@code error} are zero. {@code storage} holds what etcd 3.6+
 * adds (storage version, quota, downgrade); {@link StorageInfo#UNKNOWN} for older members and for statuses built with
 * the 12-argument constructor, which stays for callers that read only the 3.5 fields.
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
        List<String> errors,
        StorageInfo storage) {

    public MemberStatus {
        errors = errors == null ? List.of() : errors;
        storage = storage == null ? StorageInfo.UNKNOWN : storage;
    }

    /** The 3.5-level status (no storage fields); kept so that existing callers compile and behave unchanged. */
    public MemberStatus(MemberInfo member, URI endpoint, boolean reachable, String error, String version, long dbSize,
                        long dbSizeInUse, long leaderId, long raftIndex, long raftTerm, long raftAppliedIndex, List<String> errors) {
        this(member, endpoint, reachable, error, version, dbSize, dbSizeInUse, leaderId, raftIndex, raftTerm, raftAppliedIndex,
                errors, StorageInfo.UNKNOWN);
    }

    /** The same status as seen by another member record (e.g. after a member list refresh). */
    public MemberStatus withMember(MemberInfo other) {
        return new MemberStatus(other, endpoint, reachable, error, version, dbSize, dbSizeInUse, leaderId, raftIndex, raftTerm,
                raftAppliedIndex, errors, storage);
    }

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
