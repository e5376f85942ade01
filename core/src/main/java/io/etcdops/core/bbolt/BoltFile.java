package io.etcdops.core.bbolt;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only bbolt database file (an etcd snapshot or member db), read page by page through a {@link FileChannel}
 * so memory does not grow with the file: a 1 GiB file reads with a small heap. It never writes, locks or maps the
 * whole file, so it is safe on a file another process has open read-only. A database that only streamed past is
 * read the same way from what {@link BoltStreamCondenser} kept of it ({@link PageStore}).
 *
 * <p>Opening reads both meta pages and, as bbolt does, uses the valid one with the higher txid; {@link #metaPages()}
 * shows both, so a verifier can insist that both are intact. The format is bbolt's on little-endian machines (bbolt
 * writes native byte order; etcd only ships for little-endian platforms).
 */
public final class BoltFile implements Closeable {
    /** Page sizes tried for the second meta page when the first one is unreadable (bbolt tries likewise). */
    private static final long[] CANDIDATE_PAGE_SIZES = {4096, 512, 1024, 2048, 8192, 16384, 32768, 65536};

    private final Path path;
    private final long fileSize;
    private final List<BoltMeta> metaPages;
    private final BoltMeta meta;
    private final PageStore store;
    private final PageReader pages;

    /** How a meta page is read: page id and page size (0 for page 0) to a parsed meta page. */
    @FunctionalInterface
    interface MetaSource {
        BoltMeta read(long pageId, long pageSize) throws IOException;
    }

    /** How the data pages are read, once the meta page in use is known. */
    @FunctionalInterface
    interface PageStoreFactory {
        PageStore create(BoltMeta meta) throws IOException;
    }

    private BoltFile(Path path, long fileSize, MetaSource metas, PageStoreFactory stores) throws IOException {
        this.path = path;
        this.fileSize = fileSize;
        if (fileSize < 2L * 512) {
            throw new BoltFormatException(BoltFormatException.NO_PAGE, "the file has " + fileSize
                    + " bytes, too few for a bbolt database (two meta pages)");
        }
        this.metaPages = readMetaPages(metas, fileSize);
        this.meta = choose(metaPages.get(0), metaPages.get(1));
        checkSize(meta, fileSize);
        this.store = stores.create(meta);
        this.pages = new PageReader(store, (int) meta.pageSize(), meta.highWaterPgid());
    }

    /** Opens {@code path} read-only and reads its meta pages. */
    public static BoltFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new BoltFile(path, channel.size(), (pageId, pageSize) -> readMeta(channel, pageId, pageSize),
                    meta -> new FilePageStore(channel, channel.size(), (int) meta.pageSize(), FilePageStore.DEFAULT_MAP_THRESHOLD));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * A database that was streamed past rather than stored: its meta pages come from the start of the stream, its
     * data pages from {@code store} (see {@link BoltStreamCondenser}); {@code streamSize} bytes went by.
     */
    static BoltFile streamed(Path path, long streamSize, MetaSource metas, PageStoreFactory stores) throws IOException {
        return new BoltFile(path, streamSize, metas, stores);
    }

    /** The meta page in use, chosen as {@link #open} does, from the first bytes of a stream. */
    static BoltMeta chooseMeta(MetaSource metas, long size) throws IOException {
        List<BoltMeta> both = readMetaPages(metas, size);
        BoltMeta meta = choose(both.get(0), both.get(1));
        checkSize(meta, Long.MAX_VALUE);
        return meta;
    }

    /** Page 0, and page 1 where page 0's page size says (or, page 0 being unreadable, where bbolt would look). */
    private static List<BoltMeta> readMetaPages(MetaSource metas, long size) throws IOException {
        BoltMeta meta0 = metas.read(0, 0);
        return List.of(meta0, meta0.valid() ? metas.read(1, meta0.pageSize()) : findSecondMeta(metas, size));
    }

    private static void checkSize(BoltMeta meta, long fileSize) throws BoltFormatException {
        if (meta.highWaterPgid() > Integer.MAX_VALUE) {
            throw new BoltFormatException(meta.pageId(), "high-water mark " + meta.highWaterPgid() + " is too large");
        }
        if (meta.dataSize() > fileSize) {
            throw new BoltFormatException(BoltFormatException.NO_PAGE, "the file is truncated: its meta page says the"
                    + " database has " + meta.highWaterPgid() + " pages of " + meta.pageSize() + " bytes ("
                    + meta.dataSize() + " bytes) but the file has " + fileSize + " bytes");
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return fileSize;
    }

    public int pageSize() {
        return (int) meta.pageSize();
    }

    /** The meta page in use: the valid one with the higher txid. */
    public BoltMeta meta() {
        return meta;
    }

    /** Both meta pages as read, page 0 first; an invalid one says why in {@link BoltMeta#problem()}. */
    public List<BoltMeta> metaPages() {
        return metaPages;
    }

    /** Bytes the database occupies (high-water mark times page size): bbolt's tx.Size(), etcdutl's totalSize. */
    public long dataSize() {
        return meta.dataSize();
    }

    /** Names of the top-level buckets, in bbolt's (unsigned byte) order. */
    public List<byte[]> bucketNames() throws IOException {
        List<byte[]> names = new ArrayList<>();
        walkRoot((key, value, isBucket) -> names.add(copy(key)));
        return names;
    }

    /** {@link #forEach(byte[], BoltEntryVisitor)} for a bucket named in UTF-8 (etcd's names are ASCII). */
    public boolean forEach(String bucket, BoltEntryVisitor visitor) throws IOException {
        return forEach(bucket.getBytes(StandardCharsets.UTF_8), visitor);
    }

    /**
     * Hands every entry of top-level bucket {@code bucket} to {@code visitor}, in key order, checking the tree's
     * structure on the way.
     *
     * @return false if there is no such bucket
     * @throws BoltFormatException when the tree is malformed (the message names the page)
     */
    public boolean forEach(byte[] bucket, BoltEntryVisitor visitor) throws IOException {
        ByteBuffer wanted = ByteBuffer.wrap(bucket);
        ByteBuffer[] header = new ByteBuffer[1];
        walkRoot((key, value, isBucket) -> {
            if (key.equals(wanted)) {
                header[0] = ByteBuffer.wrap(copy(value)).asReadOnlyBuffer();
            }
        });
        if (header[0] == null) {
            return false;
        }
        String name = "bucket " + new String(bucket, StandardCharsets.UTF_8);
        BucketWalker.LeafHandler handler = (key, value, isBucket) -> {
            if (isBucket) {
                visitor.nestedBucket(key);
            } else {
                visitor.entry(key, value);
            }
        };
        ByteBuffer h = header[0].order(ByteOrder.LITTLE_ENDIAN);
        long root = h.getLong(0);
        if (root != 0) {
            BucketWalker.walk(pages, root, name, handler);
        } else {
            // an inline bucket: its only page is stored in the value, after the 16-byte bucket header
            ByteBuffer inline = h.slice(16, h.limit() - 16);
            BucketWalker.walkInline(pages, new BoltPage(inline, BoltFormatException.NO_PAGE, "inline page of " + name),
                    handler);
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        store.close();
    }

    /** The root bucket holds only buckets: each value is a bucket header {root pgid u64, sequence u64}. */
    private void walkRoot(BucketWalker.LeafHandler handler) throws IOException {
        BucketWalker.walk(pages, meta.rootPgid(), "the meta page's root bucket", (key, value, isBucket) -> {
            String name = new String(copy(key), StandardCharsets.UTF_8);
            if (!isBucket) {
                throw new BoltFormatException(BoltFormatException.NO_PAGE, "top-level entry '" + name
                        + "' is not a bucket (the root holds only buckets)");
            }
            if (value.remaining() < 16) {
                throw new BoltFormatException(BoltFormatException.NO_PAGE, "the header of bucket '" + name
                        + "' has " + value.remaining() + " bytes, fewer than 16");
            }
            handler.leaf(key, value, true);
        });
    }

    private static BoltMeta readMeta(FileChannel channel, long pageId, long pageSize) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BoltMeta.END_OFFSET);
        long pos = pageId * pageSize;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos + buf.position());
            if (n < 0) {
                throw new BoltFormatException(pageId, "the file ends inside meta page " + pageId);
            }
        }
        return BoltMeta.parse(buf.flip(), pageId);
    }

    private static BoltMeta findSecondMeta(MetaSource metas, long fileSize) throws IOException {
        BoltMeta first = null;
        for (long size : CANDIDATE_PAGE_SIZES) {
            if (size + BoltMeta.END_OFFSET > fileSize) {
                continue;
            }
            BoltMeta m = metas.read(1, size);
            if (m.valid() && m.pageSize() == size) {
                return m;
            }
            first = first == null ? m : first;
        }
        return first != null ? first : metas.read(1, 512);
    }

    private static BoltMeta choose(BoltMeta meta0, BoltMeta meta1) throws BoltFormatException {
        BoltMeta newer = meta1.txid() > meta0.txid() ? meta1 : meta0;
        BoltMeta older = newer == meta0 ? meta1 : meta0;
        if (newer.valid()) {
            return newer;
        }
        if (older.valid()) {
            return older;
        }
        throw new BoltFormatException(0, "no valid meta page, not a readable bbolt database: page 0: "
                + meta0.problem() + "; page 1: " + meta1.problem());
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public String toString() {
        return "BoltFile[" + path + ", pageSize=" + meta.pageSize() + ", txid=" + meta.txid() + ", pages="
                + meta.highWaterPgid() + ", buckets root=" + meta.rootPgid() + "]";
    }
}
