package io.etcdops.core.snapshot;

import java.nio.ByteBuffer;

/**
 * The set of live keys, kept as 64-bit hashes in an open-addressing table (linear probing, at most half full):
 * 8-16 bytes per key instead of the keys themselves, so a snapshot of millions of keys needs tens of MB at most.
 * Two distinct keys with the same hash would be counted once; for n keys the chance is about n^2 / 2^65
 * (3e-8 for a million keys), and it could only make the live key count one lower, never change the db.
 */
final class KeyHashSet {
    private static final long EMPTY = 0;
    /** Stands in for a hash that is 0, which marks an empty slot. */
    private static final long ZERO_HASH = 0x9E3779B97F4A7C15L;
    private long[] table = new long[1 << 10];
    private int size;

    /** FNV-1a 64 of the bytes, then murmur3's finalizer so the low bits used as the slot index are well mixed. */
    static long hash(ByteBuffer bytes) {
        long h = 0xcbf29ce484222325L;
        for (int i = bytes.position(); i < bytes.limit(); i++) {
            h ^= bytes.get(i) & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == EMPTY ? ZERO_HASH : h;
    }

    int size() {
        return size;
    }

    boolean add(long h) {
        if ((size + 1) * 2L > table.length) {
            grow();
        }
        int i = find(h, table.length - 1);
        if (table[i] == h) {
            return false;
        }
        table[i] = h;
        size++;
        return true;
    }

    boolean remove(long h) {
        int mask = table.length - 1;
        int i = find(h, mask);
        if (table[i] == EMPTY) {
            return false;
        }
        // backward-shift deletion keeps every probe chain unbroken without tombstone markers
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (table[j] == EMPTY) {
                break;
            }
            int home = slot(table[j], mask);
            boolean staysPut = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!staysPut) {
                table[i] = table[j];
                i = j;
            }
        }
        table[i] = EMPTY;
        size--;
        return true;
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        size = 0;
        for (long h : old) {
            if (h != EMPTY) {
                add(h);
            }
        }
    }

    /** The slot holding {@code h}, or the empty slot where its probe chain ends (h itself is never EMPTY). */
    private int find(long h, int mask) {
        int i = slot(h, mask);
        while (table[i] != EMPTY && table[i] != h) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private static int slot(long h, int mask) {
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
