package io.etcdops.core.snapshot;

import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads etcd's {@code SnapshotResponse} messages straight off the wire into reused arrays. The generated protobuf
 * parser copies every blob into a fresh {@code ByteString}: 1.1 GB of short-lived garbage per GiB of snapshot, which
 * the messages waiting in the flow-control window drag into the old generation. Here a chunk's bytes land in an array
 * from a small pool, and the consumer hands the array back once it has written it ({@link #release}).
 *
 * <p>{@code SnapshotResponse} (etcd's rpc.proto): 1 header (message), 2 remaining_bytes (uint64), 3 blob (bytes),
 * 4 version (string, 3.6+: the member's storage version, e.g. {@code "3.6.0"}, in every message). Fields 2 and 3 are
 * read from every message, field 4 from the first that has it ({@link #storageVersion()}); everything else is
 * skipped, as protobuf would.
 */
final class SnapshotChunkMarshaller implements MethodDescriptor.Marshaller<SnapshotChunkMarshaller.Chunk> {
    /** etcd sends the db in blobs of 32 KiB (snapshotSendBufferSize); a bigger blob gets an array of its own. */
    static final int POOLED_SIZE = 32 * 1024;

    /** One message: {@code length} bytes of the snapshot in {@code bytes}, and etcd's estimate of what remains. */
    record Chunk(byte[] bytes, int length, long remainingBytes) {
    }

    private final BlockingQueue<byte[]> pool;
    /** Field 4 of the first message that had one; parse runs on one thread at a time, read after the stream ended. */
    private volatile String storageVersion = "";

    /** @param pooled how many arrays to keep for reuse: the flow-control window plus the one being written */
    SnapshotChunkMarshaller(int pooled) {
        this.pool = new ArrayBlockingQueue<>(pooled);
    }

    /** The storage version the member reported (3.6+), or "" (3.4/3.5 send none). */
    String storageVersion() {
        return storageVersion;
    }

    /** The consumer is done with the chunk's bytes: its array may be filled again. */
    void release(Chunk chunk) {
        recycle(chunk.bytes());
    }

    private void recycle(byte[] array) {
        if (array.length == POOLED_SIZE) {
            pool.offer(array);
        }
    }

    @Override
    public InputStream stream(Chunk value) {
        throw new UnsupportedOperationException("snapshot chunks are only received");
    }

    @Override
    public Chunk parse(InputStream in) {
        try {
            byte[] blob = null;
            int blobLength = 0;
            long remaining = 0;
            int first;
            while ((first = in.read()) >= 0) {
                long tag = varint(in, first);
                if (tag >>> 32 != 0) {
                    throw new IOException("a field tag out of range");
                }
                int field = (int) (tag >>> 3);
                int wireType = (int) (tag & 7);
                if (field == 2 && wireType == 0) {
                    remaining = varint(in);
                } else if (field == 3 && wireType == 2) {
                    long n = varint(in);
                    if (n > Integer.MAX_VALUE - 8) {
                        throw new IOException("a blob of " + n + " bytes");
                    }
                    if (blob != null) {
                        recycle(blob); // protobuf keeps the last occurrence of a field
                    }
                    blobLength = (int) n;
                    blob = take(blobLength);
                    if (in.readNBytes(blob, 0, blobLength) != blobLength) {
                        throw new EOFException("the message ends inside its blob");
                    }
                } else if (field == 4 && wireType == 2 && storageVersion.isEmpty()) {
                    long n = varint(in);
                    if (n > 64) {
                        throw new IOException("a version of " + n + " bytes");
                    }
                    byte[] v = in.readNBytes((int) n);
                    if (v.length != n) {
                        throw new EOFException("the message ends inside its version");
                    }
                    storageVersion = new String(v, StandardCharsets.UTF_8);
                } else {
                    skipField(in, wireType);
                }
            }
            return new Chunk(blob == null ? new byte[0] : blob, blobLength, remaining);
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("malformed SnapshotResponse: " + e.getMessage()).withCause(e)
                    .asRuntimeException();
        }
    }

    private byte[] take(int length) {
        if (length > POOLED_SIZE) {
            return new byte[length];
        }
        byte[] b = pool.poll();
        return b != null ? b : new byte[POOLED_SIZE];
    }

    private static void skipField(InputStream in, int wireType) throws IOException {
        switch (wireType) {
            case 0 -> varint(in);
            case 1 -> skip(in, 8);
            case 2 -> skip(in, varint(in));
            case 5 -> skip(in, 4);
            default -> throw new IOException("wire type " + wireType + " is not used by SnapshotResponse");
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        if (n < 0) {
            throw new IOException("a field length out of range");
        }
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("the message ends inside a field");
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static long varint(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("the message ends inside a field");
        }
        return varint(in, first);
    }

    /** A base-128 varint whose first byte was already read. */
    private static long varint(InputStream in, int first) throws IOException {
        long result = 0;
        int b = first;
        for (int shift = 0; shift < 64; shift += 7) {
            if (shift > 0) {
                b = in.read();
                if (b < 0) {
                    throw new EOFException("the message ends inside a varint");
                }
            }
            result |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return result;
            }
        }
        throw new IOException("a varint longer than 10 bytes");
    }
}
