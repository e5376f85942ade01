package io.etcdops.core.snapshot;

import io.etcdops.core.bbolt.BoltStreamCondenser;

import java.nio.ByteBuffer;

/**
 * What a check of etcd's data needs of a leaf value, for {@link BoltStreamCondenser}: of a revision's
 * {@code mvccpb.KeyValue}, fields 1 ({@code key}) and 4 ({@code version}), re-encoded; {@link SnapshotInspector}
 * reads the same two fields from the stand-in as it would from the original. Values of other buckets are only
 * counted, and bucket {@code meta}'s are short, kept as they are:
 * <ul>
 *   <li>up to {@value #KEEP_UP_TO} bytes: kept;</li>
 *   <li>a KeyValue with a key: {@code {1: key, 4: version}};</li>
 *   <li>a KeyValue without a key (etcdutl's revision-bump marker): empty, which parses the same;</li>
 *   <li>not a KeyValue: one byte that does not parse either (wire type 7), so the check fails as it would have.</li>
 * </ul>
 */
final class KeyValueCondenser implements BoltStreamCondenser.ValueCondenser {
    static final int KEEP_UP_TO = 64;
    private static final byte NOT_A_PROTOBUF = 0x07;

    private final SnapshotInspector.KeyValueFields kv = new SnapshotInspector.KeyValueFields();
    /** A view of the array the condenser hands in (the same one page after page), re-aimed at each value. */
    private ByteBuffer view = ByteBuffer.allocate(0);

    @Override
    public int condense(byte[] src, int off, int len, byte[] out, int outOff) {
        if (len <= KEEP_UP_TO) {
            return -1;
        }
        try {
            if (view.array() != src) {
                view = ByteBuffer.wrap(src);
            }
            if (!kv.parse(view.clear().position(off).limit(off + len), 0)) {
                return 0;
            }
        } catch (SnapshotInspector.EtcdDataException e) {
            out[outOff] = NOT_A_PROTOBUF;
            return 1;
        }
        ByteBuffer key = kv.key;
        int keyLength = key.remaining();
        int size = 1 + varintSize(keyLength) + keyLength + 1 + varintSize(kv.version);
        if (size >= len) {
            return -1;
        }
        int w = outOff;
        out[w++] = (1 << 3) | 2;
        w = putVarint(out, w, keyLength);
        key.get(key.position(), out, w, keyLength);
        w += keyLength;
        out[w++] = 4 << 3;
        w = putVarint(out, w, kv.version);
        return w - outOff;
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7fL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int putVarint(byte[] out, int w, long v) {
        while ((v & ~0x7fL) != 0) {
            out[w++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[w++] = (byte) v;
        return w;
    }
}
