package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.StatusResponse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The two Maintenance calls jetcd 0.8's 3.5-level protos cannot make, marshalled by hand over a raw gRPC channel
 * ({@link EtcdGrpcChannels}): {@code Downgrade} (not in jetcd at all) and {@code Status} with the fields etcd 3.6 added
 * (jetcd drops them as unknown). Field numbers from etcd's {@code api/v3/etcdserverpb/rpc.proto} (3.6.16 and 3.7.3
 * agree):
 * <ul>
 *   <li>{@code DowngradeRequest}: 1 action (enum VALIDATE=0, ENABLE=1, CANCEL=2), 2 version (string);
 *       {@code DowngradeResponse}: 1 header, 2 version (the cluster version)</li>
 *   <li>{@code StatusResponse}: 1 header ({@code ResponseHeader}: 2 member_id), 2 version, 4 leader, 11 storageVersion,
 *       13 downgradeInfo ({@code DowngradeInfo}: 1 enabled, 2 targetVersion)</li>
 * </ul>
 * A 3.5 member answers {@code Status} without fields 11-13 (empty storage version, no downgrade info).
 */
public final class MaintenanceRpc {

    /** etcd's {@code DowngradeRequest.DowngradeAction}. */
    public enum DowngradeAction {
        VALIDATE, ENABLE, CANCEL
    }

    /**
     * What one member says about versions: its server version, its db's storage version (3.6+; empty on 3.5), and the
     * cluster's downgrade job as that member sees it.
     */
    public record VersionStatus(long memberId, String version, long leader, String storageVersion, boolean downgradeEnabled,
                                String downgradeTarget) {
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> DOWNGRADE = method("Downgrade");
    static final MethodDescriptor<byte[], byte[]> STATUS = method("Status");

    private MaintenanceRpc() {
    }

    /**
     * Sends one downgrade action to {@code endpoint}; returns the cluster version etcd answers with. etcd's refusals
     * (e.g. "invalid downgrade target version", "no inflight downgrade job") become a failed {@link JobException}
     * carrying etcd's message.
     */
    public static String downgrade(EtcdConnectionConfig config, URI endpoint, DowngradeAction action, String version) {
        byte[] response = call(config, endpoint, DOWNGRADE, encodeDowngrade(action, version),
                "downgrade " + action.name().toLowerCase() + (action == DowngradeAction.CANCEL ? "" : " " + version));
        return decodeDowngradeVersion(response);
    }

    /** The member's version status (one {@code Status} call to that member). */
    public static VersionStatus status(EtcdConnectionConfig config, URI endpoint) {
        return decodeStatus(call(config, endpoint, STATUS, new byte[0], "status"));
    }

    private static byte[] call(EtcdConnectionConfig config, URI endpoint, MethodDescriptor<byte[], byte[]> method, byte[] request,
                               String what) {
        try (EtcdGrpcChannels.MemberChannel ch = EtcdGrpcChannels.open(config, endpoint)) {
            return ClientCalls.blockingUnaryCall(ch.channel(), method,
                    CallOptions.DEFAULT.withDeadlineAfter(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS), request);
        } catch (StatusRuntimeException e) {
            String d = e.getStatus().getDescription();
            throw JobException.failed("etcd at " + endpoint + " refused " + what + ": "
                    + (d == null ? e.getStatus().getCode().toString() : d), e);
        }
    }

    // ---- wire format ----

    // The messages are protobuf: protobuf-java's coded streams write them, and jetcd's generated StatusResponse reads
    // Status with 3.6's fields kept as unknown fields, read by the same code as every other status (MemberStatusCall).

    static byte[] encodeDowngrade(DowngradeAction action, String version) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            if (action.ordinal() != 0) {
                out.writeEnum(1, action.ordinal());
            }
            if (version != null && !version.isEmpty()) {
                out.writeString(2, version);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static String decodeDowngradeVersion(byte[] message) {
        return MemberStatusCall.lastString(parse(message), 2);
    }

    static VersionStatus decodeStatus(byte[] message) {
        StatusResponse r;
        try {
            r = StatusResponse.parseFrom(message == null ? new byte[0] : message);
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException("malformed Maintenance response: " + e.getMessage(), e);
        }
        StorageInfo storage = MemberStatusCall.storage(r.getUnknownFields());
        return new VersionStatus(r.getHeader().getMemberId(), r.getVersion(), r.getLeader(), storage.storageVersion(),
                storage.downgradeEnabled(), storage.downgradeTargetVersion());
    }

    private static UnknownFieldSet parse(byte[] message) {
        try {
            return UnknownFieldSet.parseFrom(message == null ? new byte[0] : message);
        } catch (InvalidProtocolBufferException e) {
            throw new UncheckedIOException("malformed Maintenance response: " + e.getMessage(), e);
        }
    }

    private static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("etcdserverpb.Maintenance", name))
                .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    }
}
