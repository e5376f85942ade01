package io.etcdops.core.bbolt;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The real etcd snapshots under src/test/resources/snapshots (made by make-fixtures.sh), their recorded
 * expectations, and byte surgery on copies of them for the corruption tests.
 */
public final class SnapshotFixtures {
    public static final int PAGE_SIZE = 4096;

    private SnapshotFixtures() {
    }

    /** The etcd versions with a committed fixture, for @MethodSource. */
    public static Stream<String> versions() {
        return Stream.of("3.4.23", "3.5.36", "3.6.16", "3.7.3");
    }

    public static Path db(String version) {
        return resource("/snapshots/etcd-" + version + ".db");
    }

    /**
     * What etcd itself said about the fixture: revision, liveKeys, compactRevision, fileSize, snapshotStatus{...} (the
     * fixture's own etcdutl/etcdctl) and snapshotStatus35{...} (etcdutl 3.5, whose totalKey counts every bucket's
     * entries; etcdutl 3.6+ count the live keys there).
     */
    public static JsonNode expected(String version) {
        return new ObjectMapper().readTree(resource("/snapshots/etcd-" + version + ".json").toFile());
    }

    /** A writable copy of the fixture in {@code dir}. */
    public static Path copy(String version, Path dir) throws IOException {
        Path target = dir.resolve("etcd-" + version + ".db");
        Files.copy(db(version), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    public static void flipBit(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x01);
        }
    }

    public static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    public static ByteBuffer read(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    public static void writeLong(Path file, long offset, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }
    }

    public static void write(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    /** Page id of the {@code key} bucket's root, found by reading the root bucket page by hand. */
    public static long keyBucketRoot(Path file) throws IOException {
        long root = read(file, 16 + 16, 8).getLong(0);
        ByteBuffer page = read(file, root * PAGE_SIZE, PAGE_SIZE);
        for (int i = 0; i < Short.toUnsignedInt(page.getShort(10)); i++) {
            int e = 16 + i * 16;
            int pos = page.getInt(e + 4);
            int ksize = page.getInt(e + 8);
            String key = new String(page.array(), e + pos, ksize, java.nio.charset.StandardCharsets.US_ASCII);
            if (key.equals("key")) {
                return page.getLong(e + pos + ksize);
            }
        }
        throw new IllegalStateException("no key bucket in " + file);
    }

    /** Page id of the leaf of the key bucket that has overflow pages (it holds the 100 KiB value). */
    public static long overflowLeaf(Path file) throws IOException {
        long branch = keyBucketRoot(file);
        int count = Short.toUnsignedInt(read(file, branch * PAGE_SIZE + 10, 2).getShort(0));
        for (int i = 0; i < count; i++) {
            long child = read(file, branchChildOffset(branch, i), 8).getLong(0);
            if (read(file, child * PAGE_SIZE + 12, 4).getInt(0) > 0) {
                return child;
            }
        }
        throw new IllegalStateException("no leaf with overflow pages under the key bucket of " + file);
    }

    /** File offset of the pgid field of element {@code i} of branch page {@code pgid}. */
    public static long branchChildOffset(long pgid, int i) {
        return pgid * PAGE_SIZE + 16 + i * 16L + 8;
    }

    private static Path resource(String name) {
        try {
            return Path.of(SnapshotFixtures.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }
}
