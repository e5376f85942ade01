package io.etcdops.core.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Maintenance.Status call on a raw gRPC channel to one member. jetcd 0.8.6's protos are 3.5-level and its
 * {@code StatusResponse} wrapper keeps the proto to itself (a protected getter), but protobuf-java keeps the fields it
 * does not know: etcd 3.6's storageVersion (11), dbSizeQuota (12) and downgradeInfo (13) arrive as unknown fields of
 * the generated message and are read from there.
 */
final class MemberStatusCall {
    static final int STORAGE_VERSION = 11;
    static final int DB_SIZE_QUOTA = 12;
    static final int DOWNGRADE_INFO = 13;

    private MemberStatusCall() {
    }

    /** The member's status; throws (a gRPC or job exception) when it cannot be asked. */
    static MemberStatus call(EtcdConnectionConfig config, MemberInfo member, URI endpoint) {
        try (EtcdGrpcChannels.MemberChannel ch = EtcdGrpcChannels.open(config, endpoint)) {
            StatusResponse s = MaintenanceGrpc.newBlockingStub(ch.channel())
                    .withDeadlineAfter(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .status(StatusRequest.getDefaultInstance());
            return new MemberStatus(member, endpoint, true, null, s.getVersion(), s.getDbSize(), s.getDbSizeInUse(), s.getLeader(),
                    s.getRaftIndex(), s.getRaftTerm(), s.getRaftAppliedIndex(), List.copyOf(s.getErrorsList()), storage(s.getUnknownFields()));
        }
    }

    /** Fields 11-13 of a StatusResponse, from the fields a 3.5-level parser did not know. */
    static StorageInfo storage(UnknownFieldSet unknown) {
        String storageVersion = lastString(unknown, STORAGE_VERSION);
        long quota = unknown.hasField(DB_SIZE_QUOTA) ? last(unknown.getField(DB_SIZE_QUOTA).getVarintList(), 0L) : 0L;
        boolean enabled = false;
        String target = "";
        if (unknown.hasField(DOWNGRADE_INFO)) {
            // a sub-message: protobuf merges repeated occurrences; the last value of each field wins
            for (ByteString b : unknown.getField(DOWNGRADE_INFO).getLengthDelimitedList()) {
                try {
                    UnknownFieldSet info = UnknownFieldSet.parseFrom(CodedInputStream.newInstance(b.toByteArray()));
                    if (info.hasField(1)) {
                        enabled = last(info.getField(1).getVarintList(), 0L) != 0;
                    }
                    if (info.hasField(2)) {
                        target = lastString(info, 2);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("malformed downgradeInfo in the member's status: " + e.getMessage(), e);
                }
            }
        }
        return new StorageInfo(storageVersion, quota, enabled, target);
    }

    static String lastString(UnknownFieldSet set, int field) {
        if (!set.hasField(field)) {
            return "";
        }
        List<ByteString> values = set.getField(field).getLengthDelimitedList();
        return values.isEmpty() ? "" : values.get(values.size() - 1).toStringUtf8();
    }

    private static <T> T last(List<T> values, T otherwise) {
        return values.isEmpty() ? otherwise : values.get(values.size() - 1);
    }
}
