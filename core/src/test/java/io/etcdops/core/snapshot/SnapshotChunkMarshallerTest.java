package io.etcdops.core.snapshot;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.SnapshotResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire messages are encoded by the generated protobuf classes etcd's clients use, so both sides agree. */
class SnapshotChunkMarshallerTest {
    private final SnapshotChunkMarshaller marshaller = new SnapshotChunkMarshaller(4);

    private static byte[] blob(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] message(byte[] blob, long remaining) {
        return SnapshotResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(0x1234).setMemberId(7).setRevision(99).setRaftTerm(3))
                .setRemainingBytes(remaining).setBlob(ByteString.copyFrom(blob)).build().toByteArray();
    }

    private SnapshotChunkMarshaller.Chunk parse(byte[] wire) {
        return marshaller.parse(new ByteArrayInputStream(wire));
    }

    private static byte[] bytesOf(SnapshotChunkMarshaller.Chunk c) {
        return Arrays.copyOf(c.bytes(), c.length());
    }

    @Test
    void readsBlobAndRemainingBytesAndSkipsTheHeader() {
        byte[] data = blob(32 * 1024, 1);
        SnapshotChunkMarshaller.Chunk c = parse(message(data, 1_234_567_890_123L));
        assertThat(bytesOf(c)).isEqualTo(data);
        assertThat(c.remainingBytes()).isEqualTo(1_234_567_890_123L);
    }

    @Test
    void skipsFieldsItDoesNotKnow() throws Exception {
        // etcd 3.6 adds field 4 (version, a string); other wire types are skipped too
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(message(blob(100, 2), 5));
        wire.write(new byte[] {0x22, 6, '3', '.', '6', '.', '0', '!'});
        wire.write(new byte[] {0x28, (byte) 0x96, 0x01}); // field 5, varint 150
        wire.write(new byte[] {0x31, 1, 2, 3, 4, 5, 6, 7, 8}); // field 6, fixed64
        wire.write(new byte[] {0x3d, 1, 2, 3, 4}); // field 7, fixed32
        SnapshotChunkMarshaller.Chunk c = parse(wire.toByteArray());
        assertThat(bytesOf(c)).isEqualTo(blob(100, 2));
        assertThat(c.remainingBytes()).isEqualTo(5);
    }

    @Test
    void keepsTheStorageVersionOfTheFirstMessageThatHasOne() throws Exception {
        assertThat(parse(message(blob(10, 11), 1)).length()).isEqualTo(10);
        assertThat(marshaller.storageVersion()).as("3.4/3.5 send none").isEmpty();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(message(blob(10, 12), 1));
        wire.write(new byte[] {0x22, 5, '3', '.', '6', '.', '0'}); // field 4, as etcd 3.6 sends it in every message
        assertThat(bytesOf(parse(wire.toByteArray()))).isEqualTo(blob(10, 12));
        wire.reset();
        wire.write(message(blob(10, 13), 0));
        wire.write(new byte[] {0x22, 5, '3', '.', '7', '.', '0'});
        parse(wire.toByteArray());
        assertThat(marshaller.storageVersion()).isEqualTo("3.6.0");
    }

    @Test
    void releasedArraysAreFilledAgainInsteadOfAllocatingNewOnes() {
        SnapshotChunkMarshaller.Chunk first = parse(message(blob(32 * 1024, 3), 10));
        marshaller.release(first);
        SnapshotChunkMarshaller.Chunk second = parse(message(blob(1000, 4), 0));
        assertThat(second.bytes()).isSameAs(first.bytes());
        assertThat(bytesOf(second)).isEqualTo(blob(1000, 4));
        // not released: the next chunk must not overwrite it
        SnapshotChunkMarshaller.Chunk third = parse(message(blob(500, 5), 0));
        assertThat(third.bytes()).isNotSameAs(second.bytes());
        assertThat(bytesOf(second)).isEqualTo(blob(1000, 4));
    }

    @Test
    void aBlobBiggerThanThePooledArraysGetsItsOwnAndIsNotPooled() {
        byte[] big = blob(100_000, 6);
        SnapshotChunkMarshaller.Chunk c = parse(message(big, 0));
        assertThat(bytesOf(c)).isEqualTo(big);
        marshaller.release(c);
        assertThat(parse(message(blob(10, 7), 0)).bytes()).isNotSameAs(c.bytes()).hasSize(SnapshotChunkMarshaller.POOLED_SIZE);
    }

    @Test
    void aMessageWithoutBlobIsAnEmptyChunk() {
        SnapshotChunkMarshaller.Chunk c = parse(SnapshotResponse.newBuilder().setRemainingBytes(0).build().toByteArray());
        assertThat(c.length()).isZero();
        assertThat(parse(new byte[0]).length()).isZero();
    }

    @Test
    void theLastBlobFieldWinsAsInProtobuf() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(message(blob(10, 8), 1));
        wire.write(message(blob(20, 9), 2));
        SnapshotChunkMarshaller.Chunk c = parse(wire.toByteArray());
        assertThat(SnapshotResponse.parseFrom(wire.toByteArray()).getBlob().toByteArray()).isEqualTo(blob(20, 9));
        assertThat(bytesOf(c)).isEqualTo(blob(20, 9));
        assertThat(c.remainingBytes()).isEqualTo(2);
    }

    @Test
    void aTruncatedOrMalformedMessageFailsTheCall() {
        byte[] wire = message(blob(1000, 10), 0);
        for (int cut : new int[] {wire.length - 1, wire.length - 999, 1}) {
            assertThatThrownBy(() -> parse(Arrays.copyOf(wire, cut)))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.INTERNAL))
                    .hasMessageContaining("malformed SnapshotResponse");
        }
        assertThatThrownBy(() -> parse(new byte[] {0x1f})) // wire type 7 does not exist
                .hasMessageContaining("wire type 7");
        assertThatThrownBy(() -> parse(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}))
                .hasMessageContaining("malformed SnapshotResponse");
    }
}
