package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

    static byte[] encodeDowngrade(DowngradeAction action, String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (action.ordinal() != 0) {
            writeVarint(out, 1 << 3);
            writeVarint(out, action.ordinal());
        }
        if (version != null && !version.isEmpty()) {
            byte[] v = version.getBytes(StandardCharsets.UTF_8);
            writeVarint(out, 2 << 3 | 2);
            writeVarint(out, v.length);
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    static String decodeDowngradeVersion(byte[] message) {
        String version = "";
        for (Field f : fields(message)) {
            if (f.number == 2 && f.bytes != null) {
                version = f.text();
            }
        }
        return version;
    }

    static VersionStatus decodeStatus(byte[] message) {
        long memberId = 0;
        long leader = 0;
        String version = "";
        String storage = "";
        boolean enabled = false;
        String target = "";
        for (Field f : fields(message)) {
            switch (f.number) {
                case 1 -> {
                    for (Field h : fields(f.bytes)) {
                        if (h.number == 2 && h.bytes == null) {
                            memberId = h.value;
                        }
                    }
                }
                case 2 -> version = f.text();
                case 4 -> leader = f.value;
                case 11 -> storage = f.text();
                case 13 -> {
                    for (Field d : fields(f.bytes)) {
                        if (d.number == 1 && d.bytes == null) {
                            enabled = d.value != 0;
                        } else if (d.number == 2) {
                            target = d.text();
                        }
                    }
                }
                default -> {
                }
            }
        }
        return new VersionStatus(memberId, version, leader, storage, enabled, target);
    }

    /** One field as read: a varint or fixed value, or the bytes of a length-delimited field. */
    private record Field(int number, long value, byte[] bytes) {
        String text() {
            return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static java.util.List<Field> fields(byte[] message) {
        java.util.List<Field> out = new java.util.ArrayList<>();
        if (message == null) {
            return out;
        }
        InputStream in = new ByteArrayInputStream(message);
        try {
            int first;
            while ((first = in.read()) >= 0) {
                long tag = varint(in, first);
                int number = (int) (tag >>> 3);
                switch ((int) (tag & 7)) {
                    case 0 -> out.add(new Field(number, varint(in, in.read()), null));
                    case 1 -> out.add(new Field(number, fixed(in, 8), null));
                    case 2 -> {
                        int n = (int) varint(in, in.read());
                        byte[] b = in.readNBytes(n);
                        if (b.length != n) {
                            throw new IOException("the message ends inside field " + number);
                        }
                        out.add(new Field(number, 0, b));
                    }
                    case 5 -> out.add(new Field(number, fixed(in, 4), null));
                    default -> throw new IOException("wire type " + (tag & 7) + " of field " + number);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("malformed Maintenance response: " + e.getMessage(), e);
        }
        return out;
    }

    private static long fixed(InputStream in, int bytes) throws IOException {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the message ends inside a fixed field");
            }
            v |= (long) b << (8 * i);
        }
        return v;
    }

    private static long varint(InputStream in, int first) throws IOException {
        long result = 0;
        int b = first;
        for (int shift = 0; shift < 64; shift += 7) {
            if (shift > 0) {
                b = in.read();
            }
            if (b < 0) {
                throw new IOException("the message ends inside a varint");
            }
            result |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return result;
            }
        }
        throw new IOException("a varint longer than 10 bytes");
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("etcdserverpb.Maintenance", name))
                .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    }
}
