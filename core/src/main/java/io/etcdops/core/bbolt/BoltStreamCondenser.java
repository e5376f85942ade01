package io.etcdops.core.bbolt;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a bbolt database as it streams past, so it can be checked without a copy of it on disk: write the stream
 * here, then {@link #finish()} gives a {@link BoltFile} whose trees read from what was kept.
 *
 * <p>What is kept, in a work file ({@link CondensedPageStore}): every branch page as it is, and every leaf page with
 * its keys as they are and its values through a {@link ValueCondenser} (etcd's: a revision's {@code KeyValue} down
 * to the key and version the check needs), about 1% of an etcd db. Both meta pages come from the start of the
 * stream. The checks of {@link BoltFile} then run on the kept pages: the same tree walk, the same errors.
 *
 * <p>A stream says nothing about which pages a tree uses until the trees are walked, so every page-size block whose
 * header names it as a branch or leaf page is kept, freed pages too. A freed span's stale header may claim overflow
 * blocks that were reused as pages of their own: blocks inside a span are still examined as page starts, and spans
 * may overlap. A span is assembled in memory (one at a time, normally); one larger than {@link #MAX_SPAN}, which etcd
 * does not write, is kept as its header only and fails the check if a tree reaches it.
 */
public final class BoltStreamCondenser extends OutputStream {
    /** The largest page span held in memory: 64 MiB, as {@link FilePageStore} maps rather than copies from there. */
    static final int MAX_SPAN = FilePageStore.DEFAULT_MAP_THRESHOLD;
    /** The largest page size {@link BoltFile} tries for page 1 when page 0 is unreadable. */
    private static final int LARGEST_TRIED_PAGE_SIZE = 65536;

    /** Replaces a leaf value by a shorter stand-in that says what a check needs of it. */
    public interface ValueCondenser {
        /**
         * Writes a stand-in for the value at {@code src[off..off+len)} to {@code out} at {@code outOff} (at most
         * {@code len} bytes fit), returning its length, or -1 to keep the value as it is.
         */
        int condense(byte[] src, int off, int len, byte[] out, int outOff);
    }

    private final Path workFile;
    private final ValueCondenser values;

    private byte[] prefix = new byte[BoltMeta.END_OFFSET];
    private int prefixLength;
    private long streamed;
    private BoltFormatException unreadable;

    private int pageSize;
    private long highWater;
    private CondensedPageStore store;
    private byte[] block;
    private int blockFill;
    private long blockIndex;
    /** Consecutive blocks from {@code windowFirst} while a multi-page span is being assembled. */
    private byte[] window = new byte[0];
    private int windowLength;
    private long windowFirst;
    /** Spans being assembled: {first block, last block}. */
    private final List<long[]> open = new ArrayList<>();
    private byte[] out = new byte[0];

    private final int maxSpan;

    public BoltStreamCondenser(Path workFile, ValueCondenser values) {
        this(workFile, values, MAX_SPAN);
    }

    /** With a smaller span limit, for tests. */
    BoltStreamCondenser(Path workFile, ValueCondenser values, int maxSpan) {
        this.workFile = workFile;
        this.values = values;
        this.maxSpan = maxSpan;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        streamed += len;
        while (store == null && unreadable == null && len > 0) {
            int take = Math.min(len, prefixNeeded() - prefixLength);
            keepPrefix(b, off, take);
            off += take;
            len -= take;
            if (prefixLength >= prefixNeeded() && chooseMeta()) {
                feed(prefix, 0, prefixLength);
            }
        }
        if (store != null) {
            feed(b, off, len);
        }
    }

    /**
     * Bytes of the stream needed to choose the meta page as {@link BoltFile} does: page 1 after a valid page 0,
     * else up to the largest page size bbolt tries.
     */
    private int prefixNeeded() {
        if (prefixLength < BoltMeta.END_OFFSET) {
            return BoltMeta.END_OFFSET;
        }
        BoltMeta meta0 = BoltMeta.parse(ByteBuffer.wrap(prefix, 0, BoltMeta.END_OFFSET).slice(), 0);
        long size = meta0.valid() ? Math.min(meta0.pageSize(), MAX_SPAN) : LARGEST_TRIED_PAGE_SIZE;
        return (int) size + BoltMeta.END_OFFSET;
    }

    private void keepPrefix(byte[] b, int off, int len) {
        if (prefixLength + len > prefix.length) {
            prefix = Arrays.copyOf(prefix, Math.max(prefixLength + len, prefix.length * 2));
        }
        System.arraycopy(b, off, prefix, prefixLength, len);
        prefixLength += len;
    }

    /** Chooses the meta page from the prefix and opens the work file; false (and the stream unreadable) if none is valid. */
    private boolean chooseMeta() throws IOException {
        try {
            BoltMeta meta = BoltFile.chooseMeta(this::prefixMeta, prefixLength);
            if (meta.pageSize() > MAX_SPAN) {
                throw new BoltFormatException(meta.pageId(), "page size " + meta.pageSize() + " is larger than a"
                        + " check of the stream holds");
            }
            pageSize = (int) meta.pageSize();
            highWater = meta.highWaterPgid();
        } catch (BoltFormatException e) {
            unreadable = e;
            return false;
        }
        block = new byte[pageSize];
        store = new CondensedPageStore(workFile, pageSize, highWater, maxSpan);
        return true;
    }

    private BoltMeta prefixMeta(long pageId, long size) throws BoltFormatException {
        long pos = pageId * size;
        if (pos + BoltMeta.END_OFFSET > prefixLength) {
            throw new BoltFormatException(pageId, "the file ends inside meta page " + pageId);
        }
        return BoltMeta.parse(ByteBuffer.wrap(prefix, (int) pos, BoltMeta.END_OFFSET).slice(), pageId);
    }

    private void feed(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, pageSize - blockFill);
            System.arraycopy(b, off, block, blockFill, n);
            blockFill += n;
            off += n;
            len -= n;
            if (blockFill == pageSize) {
                onBlock(blockIndex++);
                blockFill = 0;
            }
        }
    }

    private void onBlock(long b) throws IOException {
        long id = u64(block, 0);
        int flags = u16(block, 8);
        long overflow = u32(block, 12);
        boolean page = b >= 2 && b < highWater && id == b && (flags == BoltPage.FLAG_BRANCH || flags == BoltPage.FLAG_LEAF);
        boolean spanStarts = false;
        if (page && overflow > 0) {
            if (b + overflow >= highWater) {
                // the reader rejects the span from the header alone
                store.put(b, block, 0, BoltPage.HEADER_SIZE);
            } else if ((overflow + 1) * pageSize > maxSpan) {
                store.putOversized(b, block, 0);
            } else {
                open.add(new long[] {b, b + overflow});
                spanStarts = true;
            }
        }
        if (spanStarts || !open.isEmpty()) {
            appendToWindow(b);
        }
        if (page && overflow == 0) {
            condense(b, block, 0, pageSize);
        }
        if (!open.isEmpty()) {
            completeSpansEndingAt(b);
        }
    }

    private void appendToWindow(long b) {
        if (windowLength == 0) {
            windowFirst = b;
        }
        if (windowLength + pageSize > window.length) {
            window = Arrays.copyOf(window, Math.max(windowLength + pageSize, window.length * 2));
        }
        System.arraycopy(block, 0, window, windowLength, pageSize);
        windowLength += pageSize;
    }

    private void completeSpansEndingAt(long b) throws IOException {
        long firstOpen = Long.MAX_VALUE;
        for (int i = 0; i < open.size(); ) {
            long[] span = open.get(i);
            if (span[1] == b) {
                int from = (int) ((span[0] - windowFirst) * pageSize);
                condense(span[0], window, from, (int) ((span[1] - span[0] + 1) * pageSize));
                open.remove(i);
            } else {
                firstOpen = Math.min(firstOpen, span[0]);
                i++;
            }
        }
        if (open.isEmpty()) {
            windowLength = 0;
        } else if ((firstOpen - windowFirst) * pageSize >= windowLength / 2) {
            // overlapping spans: drop the blocks no open span needs any more
            int drop = (int) ((firstOpen - windowFirst) * pageSize);
            System.arraycopy(window, drop, window, 0, windowLength - drop);
            windowLength -= drop;
            windowFirst = firstOpen;
        }
    }

    /** Keeps page {@code pgid} ({@code len} bytes of {@code src} from {@code off}): leaf values condensed. */
    private void condense(long pgid, byte[] src, int off, int len) throws IOException {
        int count = u16(src, off + 10);
        int elements = BoltPage.HEADER_SIZE + count * BoltPage.ELEMENT_SIZE;
        if (u16(src, off + 8) != BoltPage.FLAG_LEAF || !elementsInside(src, off, len, count)) {
            // a branch page, or a leaf the reader will reject as it stands: kept whole
            store.put(pgid, src, off, len);
            return;
        }
        if (out.length < len) {
            out = new byte[Math.max(len, Math.min(2 * out.length, maxSpan))];
        }
        System.arraycopy(src, off, out, 0, elements);
        int w = elements;
        for (int i = 0; i < count; i++) {
            int e = off + BoltPage.HEADER_SIZE + i * BoltPage.ELEMENT_SIZE;
            int eOut = BoltPage.HEADER_SIZE + i * BoltPage.ELEMENT_SIZE;
            int key = e + (int) u32(src, e + 4);
            int keySize = (int) u32(src, e + 8);
            int valueSize = (int) u32(src, e + 12);
            putU32(out, eOut + 4, w - eOut);
            System.arraycopy(src, key, out, w, keySize);
            w += keySize;
            int n = (u32(src, e) & BoltPage.BUCKET_LEAF_FLAG) != 0 ? -1
                    : values.condense(src, key + keySize, valueSize, out, w);
            if (n < 0 || n > valueSize) {
                System.arraycopy(src, key + keySize, out, w, valueSize);
                n = valueSize;
            }
            putU32(out, eOut + 12, n);
            w += n;
        }
        store.put(pgid, out, 0, w);
    }

    /**
     * The element array, and every key and value, lie inside the span, and together they fit in it (a corrupt page
     * may point several elements at the same bytes: their copies would not fit). Otherwise the page is kept whole,
     * for the reader to reject if a tree reaches it.
     */
    private static boolean elementsInside(byte[] src, int off, int len, int count) {
        long total = BoltPage.HEADER_SIZE + (long) count * BoltPage.ELEMENT_SIZE;
        for (int i = 0; i < count; i++) {
            int e = off + BoltPage.HEADER_SIZE + i * BoltPage.ELEMENT_SIZE;
            long sizes = u32(src, e + 8) + u32(src, e + 12);
            long end = (e - off) + u32(src, e + 4) + sizes;
            total += sizes;
            if (end > len || total > len) {
                return false;
            }
        }
        return true;
    }

    /**
     * Ends the stream: the kept pages, readable as a {@link BoltFile} (which owns, and deletes on close, the work
     * file).
     *
     * @throws BoltFormatException when the stream was not a readable bbolt database (both meta pages bad, too short)
     */
    public BoltFile finish() throws IOException {
        if (store == null && unreadable == null && chooseMeta()) {
            feed(prefix, 0, prefixLength);
        }
        if (unreadable != null) {
            throw unreadable;
        }
        store.finishWriting(streamed);
        CondensedPageStore kept = store;
        try {
            return BoltFile.streamed(workFile, streamed, this::prefixMeta, meta -> kept);
        } catch (IOException | RuntimeException e) {
            kept.close();
            throw e;
        }
    }

    /** Flushes the kept pages to the work file (a full disk shows here rather than in {@link #finish()}). */
    @Override
    public void flush() throws IOException {
        if (store != null) {
            store.flushWrites();
        }
    }

    /** Drops the work file; after {@link #finish()} the BoltFile has already dropped it when closed. */
    public void discard() throws IOException {
        if (store != null) {
            store.close();
        }
    }

    /** Bytes kept in the work file so far. */
    public long keptBytes() {
        return store == null ? 0 : store.condensedBytes();
    }

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private static long u64(byte[] b, int i) {
        return (long) LONG.get(b, i);
    }

    private static long u32(byte[] b, int i) {
        return Integer.toUnsignedLong((int) INT.get(b, i));
    }

    private static int u16(byte[] b, int i) {
        return Short.toUnsignedInt((short) SHORT.get(b, i));
    }

    private static void putU32(byte[] b, int i, int v) {
        INT.set(b, i, v);
    }
}
