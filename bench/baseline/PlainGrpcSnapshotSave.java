import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark baseline, not product code: what a plain JVM program does to save an etcd snapshot with grpc-java — the
 * generated blocking stub (gRPC's own flow control, a protobuf ByteString per chunk), each chunk written to a file,
 * fsync at the end; with {@code --sha256}, also the digest of every byte (what checking etcd's trailer costs). No
 * member selection, no bbolt read, no store, no exit costs. It tells what a JVM receiver written the obvious way
 * pays against {@code etcdctl snapshot save} on the same machine, beside backup-job's tuned stream.
 * Usage: {@code PlainGrpcSnapshotSave http://HOST:PORT FILE [--sha256]} (plaintext only).
 */
public final class PlainGrpcSnapshotSave {
    public static void main(String[] args) throws Exception {
        URI ep = URI.create(args[0]);
        boolean sha = args.length > 2 && args[2].equals("--sha256");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ManagedChannel ch = NettyChannelBuilder.forAddress(ep.getHost(), ep.getPort()).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        long total = 0;
        try (FileChannel out = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Iterator<SnapshotResponse> it = MaintenanceGrpc.newBlockingStub(ch).snapshot(SnapshotRequest.getDefaultInstance());
            while (it.hasNext()) {
                var blob = it.next().getBlob();
                for (var b : blob.asReadOnlyByteBufferList()) {
                    if (sha) {
                        digest.update(b.duplicate());
                    }
                    total += b.remaining();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            }
            out.force(true);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.out.println(total + " bytes" + (sha ? ", sha256 computed" : ""));
        System.out.flush();
        // a baseline without exit costs: HotSpot's exit would wait up to 300 ms for gRPC's shared event loop in epoll
        Runtime.getRuntime().halt(0);
    }
}
