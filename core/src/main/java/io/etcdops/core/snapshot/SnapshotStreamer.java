package io.etcdops.core.snapshot;

import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdErrors;
import io.etcdops.core.etcd.EtcdGrpcChannels;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Streams etcd's Maintenance.Snapshot from one member into an OutputStream with real backpressure: gRPC's automatic
 * inbound flow control is switched off and the next message is requested only after the previous one was written.
 * At most {@link #WINDOW} messages (etcd sends 32 KiB chunks) are buffered, so memory does not grow with the db size
 * however slow the consumer (compression, encryption, upload) is. The bytes written are etcd's stream unchanged:
 * the db followed by its 32-byte sha256 trailer. The messages are read into reused arrays
 * ({@link SnapshotChunkMarshaller}), not into a fresh protobuf {@code ByteString} each.
 */
public final class SnapshotStreamer {
    static final int WINDOW = 32;
    /** Credit is handed back to gRPC in batches of this many messages: one event-loop wake-up per batch, not per chunk. */
    static final int BATCH = WINDOW / 4;
    private static final Object END = new Object();

    private final EtcdConnectionConfig config;
    private final Duration idleTimeout;

    public SnapshotStreamer(EtcdConnectionConfig config, Duration idleTimeout) {
        this.config = config;
        this.idleTimeout = idleTimeout;
    }

    /**
     * What one stream delivered: the bytes written and the storage version the member reported in its messages
     * (etcd 3.6+, e.g. {@code "3.6.0"}; "" from 3.4/3.5).
     */
    public record Streamed(long bytes, String storageVersion) {
    }

    /** Streams a snapshot of the member at {@code endpoint} into {@code out}. */
    public Streamed stream(URI endpoint, OutputStream out, ProgressListener progress) throws IOException {
        try (EtcdGrpcChannels.MemberChannel ch = EtcdGrpcChannels.open(config, endpoint)) {
            BlockingQueue<Object> queue = new ArrayBlockingQueue<>(WINDOW + 2);
            ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
            // the window's messages, the one being written and the one being parsed
            SnapshotChunkMarshaller chunks = new SnapshotChunkMarshaller(WINDOW + 2);
            MethodDescriptor<SnapshotRequest, SnapshotChunkMarshaller.Chunk> method = MaintenanceGrpc.getSnapshotMethod()
                    .toBuilder(MaintenanceGrpc.getSnapshotMethod().getRequestMarshaller(), chunks).build();
            ClientCalls.asyncServerStreamingCall(ch.channel().newCall(method, CallOptions.DEFAULT.withExecutor(Runnable::run)),
                    SnapshotRequest.getDefaultInstance(),
                    new ClientResponseObserver<SnapshotRequest, SnapshotChunkMarshaller.Chunk>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<SnapshotRequest> requestStream) {
                            call[0] = requestStream;
                            requestStream.disableAutoRequestWithInitial(WINDOW);
                        }

                        @Override
                        public void onNext(SnapshotChunkMarshaller.Chunk value) {
                            queue.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            queue.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            queue.add(END);
                        }
                    });
            long total = 0;
            int consumed = 0;
            try {
                while (true) {
                    Object item = queue.poll(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    if (item == null) {
                        call[0].cancel("idle timeout", null);
                        throw new SnapshotStreamException(endpoint, "no data for " + idleTimeout.toSeconds() + "s", null);
                    }
                    if (item == END) {
                        return new Streamed(total, chunks.storageVersion());
                    }
                    if (item instanceof Throwable t) {
                        throw new SnapshotStreamException(endpoint, EtcdErrors.describe(t), t);
                    }
                    SnapshotChunkMarshaller.Chunk chunk = (SnapshotChunkMarshaller.Chunk) item;
                    // every stream in the chain (trailer check, spool, pipeline, file) copies or consumes the bytes
                    // inside write(): the array can be filled again right after
                    out.write(chunk.bytes(), 0, chunk.length());
                    chunks.release(chunk);
                    total += chunk.length();
                    progress.onBytes(total, chunk.remainingBytes());
                    if (++consumed == BATCH) {
                        call[0].request(consumed);
                        consumed = 0;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                call[0].cancel("interrupted", e);
                throw new SnapshotStreamException(endpoint, "interrupted", e);
            } catch (IOException | RuntimeException e) {
                if (call[0] != null) {
                    call[0].cancel("consumer failed", e);
                }
                throw e;
            }
        }
    }

    /** Called after every chunk: bytes so far and what etcd says remains (an estimate; 0 near the end). */
    @FunctionalInterface
    public interface ProgressListener {
        void onBytes(long done, long remaining);

        ProgressListener NONE = (d, r) -> { };
    }

    /** The member's stream broke (member died, connection lost, idle timeout): another member may be tried. */
    public static final class SnapshotStreamException extends IOException {
        private final URI endpoint;

        public SnapshotStreamException(URI endpoint, String message, Throwable cause) {
            super("snapshot stream from " + endpoint + " failed: " + message, cause);
            this.endpoint = endpoint;
        }

        public URI endpoint() {
            return endpoint;
        }
    }
}
