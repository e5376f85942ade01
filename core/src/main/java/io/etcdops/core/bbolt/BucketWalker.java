package io.etcdops.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * Walks one bucket's B+tree depth-first, handing leaf entries over in key order, and checks the structure on the way
 * as bbolt's {@code tx.Check} does: every page reached once (no cycles, no shared pages), branch and leaf pages where
 * expected, keys strictly ascending within a page and inside the range their parent branch element gives them.
 * One walk keeps one page per tree level plus a bitmap of reached pages (high-water mark / 8 bytes, 32 KiB for a
 * 1 GiB file with 4 KiB pages).
 */
final class BucketWalker {
    /** What the walker hands over: every leaf element, in key order. Buffers are valid only during the call. */
    interface LeafHandler {
        void leaf(ByteBuffer key, ByteBuffer value, boolean isBucket) throws IOException;
    }

    /** Far deeper than any real tree (a 4 KiB-page tree of depth 10 holds more than a terabyte). */
    private static final int MAX_DEPTH = 64;

    private final PageReader pages;
    private final LeafHandler handler;
    private final BitSet reached;
    /** One read buffer per tree level: a page stays valid while its subtree is walked. */
    private final PageReader.Scratch[] levels = new PageReader.Scratch[MAX_DEPTH + 2];

    private BucketWalker(PageReader pages, LeafHandler handler) {
        this.pages = pages;
        this.handler = handler;
        this.reached = new BitSet((int) Math.min(Integer.MAX_VALUE, pages.highWaterPgid()));
    }

    /** Walks the tree whose root is page {@code rootPgid}. */
    static void walk(PageReader pages, long rootPgid, String referrer, LeafHandler handler) throws IOException {
        BucketWalker w = new BucketWalker(pages, handler);
        w.visit(w.load(rootPgid, referrer, 0), null, null, 0);
    }

    /** Walks an inline bucket: a single leaf page stored inside its parent's value, after the bucket header. */
    static void walkInline(PageReader pages, BoltPage inline, LeafHandler handler) throws IOException {
        if (!inline.isLeaf() || inline.overflow() != 0) {
            throw inline.fail("an inline bucket must be one leaf page, found a " + inline.typeName() + " page with "
                    + inline.overflow() + " overflow pages");
        }
        new BucketWalker(pages, handler).visit(inline, null, null, 0);
    }

    private BoltPage load(long pgid, Object referrer, int depth) throws IOException {
        if (levels[depth] == null) {
            levels[depth] = new PageReader.Scratch();
        }
        BoltPage page = pages.read(pgid, referrer, levels[depth]);
        for (long id = pgid; id <= pgid + page.overflow(); id++) {
            if (reached.get((int) id)) {
                throw new BoltFormatException(id, "reached twice in one bucket (" + referrer + " points at it again):"
                        + " the tree has a cycle or shares a page");
            }
            reached.set((int) id);
        }
        return page;
    }

    /**
     * @param lower the smallest key allowed in this subtree (inclusive), null for none
     * @param upper the key every key in this subtree must be below (exclusive), null for none
     */
    private void visit(BoltPage page, ByteBuffer lower, ByteBuffer upper, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw page.fail("tree deeper than " + MAX_DEPTH + " levels");
        }
        int count = page.count();
        ByteBuffer previous = null;
        for (int i = 0; i < count; i++) {
            ByteBuffer key = page.key(i);
            checkOrder(page, i, key, previous, lower, upper);
            previous = key;
        }
        if (page.isBranch()) {
            if (count == 0) {
                throw page.fail("empty branch page");
            }
            for (int i = 0; i < count; i++) {
                ByteBuffer next = i + 1 < count ? page.key(i + 1) : upper;
                long child = page.childPgid(i);
                visit(load(child, new BranchElement(page, i), depth + 1), page.key(i), next, depth + 1);
            }
            return;
        }
        for (int i = 0; i < count; i++) {
            long flags = page.leafFlags(i);
            if ((flags & ~BoltPage.BUCKET_LEAF_FLAG) != 0) {
                throw page.fail("leaf element " + i + " has unknown flags 0x" + Long.toHexString(flags));
            }
            handler.leaf(page.key(i), page.value(i), flags == BoltPage.BUCKET_LEAF_FLAG);
        }
    }

    private static void checkOrder(BoltPage page, int i, ByteBuffer key, ByteBuffer previous, ByteBuffer lower,
                                   ByteBuffer upper) throws BoltFormatException {
        if (previous != null && compareUnsigned(previous, key) >= 0) {
            throw page.fail("key " + i + " is not greater than key " + (i - 1) + ": keys out of order");
        }
        if (lower != null && compareUnsigned(key, lower) < 0) {
            throw page.fail("key " + i + " is below the key its parent branch element gives this page");
        }
        if (upper != null && compareUnsigned(key, upper) >= 0) {
            throw page.fail("key " + i + " is not below the key of the parent's next branch element");
        }
    }

    /** Byte-wise unsigned comparison, as Go's bytes.Compare (ByteBuffer.compareTo compares signed bytes). */
    static int compareUnsigned(ByteBuffer a, ByteBuffer b) {
        int i = a.mismatch(b);
        if (i < 0) {
            return 0;
        }
        if (i == a.remaining() || i == b.remaining()) {
            return Integer.compare(a.remaining(), b.remaining());
        }
        return Integer.compare(a.get(a.position() + i) & 0xff, b.get(b.position() + i) & 0xff);
    }

    /** Element {@code index} of a branch page, named only when an error needs it. */
    private record BranchElement(BoltPage page, int index) {
        @Override
        public String toString() {
            return "branch " + page.label() + " element " + index;
        }
    }
}
