package io.etcdops.core.bbolt;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.etcdops.core.bbolt.SnapshotFixtures.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads real etcd snapshots (see make-fixtures.sh) and damaged copies of them. */
class BoltFileTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void readsMetaPagesAndBucketNames(String version) throws IOException {
        JsonNode expected = SnapshotFixtures.expected(version);
        try (BoltFile bolt = BoltFile.open(SnapshotFixtures.db(version))) {
            assertThat(bolt.pageSize()).isEqualTo(PAGE_SIZE);
            assertThat(bolt.metaPages()).hasSize(2).allSatisfy(m -> assertThat(m.valid()).isTrue());
            // etcd's snapshot writes both metas from one tx; page 1 gets txid - 1
            assertThat(bolt.meta().pageId()).isZero();
            assertThat(bolt.metaPages().get(1).txid()).isEqualTo(bolt.meta().txid() - 1);
            assertThat(bolt.dataSize()).isEqualTo(expected.at("/snapshotStatus/totalSize").asLong());
            assertThat(bolt.fileSize()).isEqualTo(expected.get("fileSize").asLong()).isEqualTo(bolt.dataSize() + 32);
            List<String> names = bolt.bucketNames().stream()
                    .map(n -> new String(n, StandardCharsets.US_ASCII)).toList();
            assertThat(names).contains("key", "meta", "members", "lease").isSorted();
        }
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void iteratesTheKeyBucketInKeyOrderIncludingAValueInOverflowPages(String version) throws IOException {
        List<ByteBuffer> keys = new ArrayList<>();
        int[] largestValue = {0};
        try (BoltFile bolt = BoltFile.open(SnapshotFixtures.db(version))) {
            boolean found = bolt.forEach("key", (k, v) -> {
                keys.add(copy(k));
                largestValue[0] = Math.max(largestValue[0], v.remaining());
            });
            assertThat(found).isTrue();
        }
        assertThat(keys).hasSizeGreaterThan(40).isSortedAccordingTo(BucketWalker::compareUnsigned)
                .allSatisfy(k -> assertThat(k.remaining()).isIn(17, 18));
        // the 100 KiB value, spread over a leaf page and its overflow pages, arrives whole
        assertThat(largestValue[0]).isGreaterThan(100 * 1024);
        long lastMainRevision = keys.get(keys.size() - 1).getLong(0);
        assertThat(lastMainRevision).isEqualTo(SnapshotFixtures.expected(version).get("revision").asLong());
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void readsInlineBucketsAndReportsAMissingOne(String version) throws IOException {
        List<String> metaKeys = new ArrayList<>();
        try (BoltFile bolt = BoltFile.open(SnapshotFixtures.db(version))) {
            // etcd's small buckets (meta, members, ...) are inline: their page lives inside the root bucket's value
            bolt.forEach("meta", (k, v) -> metaKeys.add(StandardCharsets.US_ASCII.decode(k).toString()));
            assertThat(bolt.forEach("no-such-bucket", (k, v) -> { })).isFalse();
        }
        assertThat(metaKeys).contains("consistent_index", "finishedCompactRev", "scheduledCompactRev").isSorted();
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aBitFlipInOneMetaPageFailsItsChecksumAndTheOtherIsUsed(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.flipBit(db, 16 + 40); // meta 0's high-water mark
        try (BoltFile bolt = BoltFile.open(db)) {
            assertThat(bolt.metaPages().get(0).valid()).isFalse();
            assertThat(bolt.metaPages().get(0).problem()).contains("checksum");
            assertThat(bolt.meta().pageId()).isEqualTo(1);
        }
        SnapshotFixtures.flipBit(db, PAGE_SIZE + 16 + 48); // meta 1's txid
        assertThatThrownBy(() -> BoltFile.open(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("no valid meta page").hasMessageContaining("checksum");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aTruncatedFileFails(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.truncate(db, Files.size(db) / 2);
        assertThatThrownBy(() -> BoltFile.open(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("truncated");
        SnapshotFixtures.truncate(db, 100);
        assertThatThrownBy(() -> BoltFile.open(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("too few");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aPageIdOutOfRangeFailsNamingThePage(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        long branch = SnapshotFixtures.keyBucketRoot(db);
        SnapshotFixtures.writeLong(db, SnapshotFixtures.branchChildOffset(branch, 0), 1_000_000);
        assertThatThrownBy(() -> forEachKey(db)).isInstanceOfSatisfying(BoltFormatException.class,
                e -> assertThat(e.pageId()).isEqualTo(1_000_000))
                .hasMessageContaining("page 1000000: page id out of range");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aCycleFails(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        long branch = SnapshotFixtures.keyBucketRoot(db);
        SnapshotFixtures.writeLong(db, SnapshotFixtures.branchChildOffset(branch, 1), branch);
        assertThatThrownBy(() -> forEachKey(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("page " + branch + ": reached twice");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aPointerIntoAnOverflowRunFailsOnThePageHeader(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        long branch = SnapshotFixtures.keyBucketRoot(db);
        long leaf = SnapshotFixtures.overflowLeaf(db);
        for (int i = 0; i < 5; i++) {
            if (SnapshotFixtures.read(db, SnapshotFixtures.branchChildOffset(branch, i), 8).getLong(0) == leaf) {
                SnapshotFixtures.writeLong(db, SnapshotFixtures.branchChildOffset(branch, i), leaf + 1);
            }
        }
        assertThatThrownBy(() -> forEachKey(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("page " + (leaf + 1) + ": header says it is page");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void keysOutOfOrderFail(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        long branch = SnapshotFixtures.keyBucketRoot(db);
        long leaf = SnapshotFixtures.read(db, SnapshotFixtures.branchChildOffset(branch, 0), 8).getLong(0);
        ByteBuffer page = SnapshotFixtures.read(db, leaf * PAGE_SIZE, PAGE_SIZE);
        // overwrite key 1 with key 0 (both are 17-byte revisions here)
        int key0 = 16 + page.getInt(16 + 4);
        int key1 = 32 + page.getInt(32 + 4);
        byte[] first = new byte[17];
        page.get(key0, first);
        SnapshotFixtures.write(db, leaf * PAGE_SIZE + key1, first);
        assertThatThrownBy(() -> forEachKey(db)).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("page " + leaf + ": key 1 is not greater than key 0");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aMappedOverflowPageReadsTheSameAsACopiedOne(String version) throws IOException {
        Path db = SnapshotFixtures.db(version);
        try (BoltFile bolt = BoltFile.open(db); FileChannel ch = FileChannel.open(db)) {
            long size = Files.size(db);
            long hwm = bolt.meta().highWaterPgid();
            PageReader copying = new PageReader(new FilePageStore(ch, size, PAGE_SIZE, Long.MAX_VALUE), PAGE_SIZE, hwm);
            PageReader mapping = new PageReader(new FilePageStore(ch, size, PAGE_SIZE, 0), PAGE_SIZE, hwm);
            long branch = SnapshotFixtures.keyBucketRoot(db);
            int compared = 0;
            for (int i = 0; i < 5; i++) {
                long child = SnapshotFixtures.read(db, SnapshotFixtures.branchChildOffset(branch, i), 8).getLong(0);
                BoltPage a = copying.read(child, "test");
                BoltPage b = mapping.read(child, "test");
                assertThat(b.count()).isEqualTo(a.count());
                for (int e = 0; e < a.count(); e++) {
                    assertThat(b.key(e)).isEqualTo(a.key(e));
                    assertThat(b.value(e)).isEqualTo(a.value(e));
                    compared += a.overflow() > 0 ? 1 : 0;
                }
            }
            assertThat(compared).isPositive();
        }
    }

    private static void forEachKey(Path db) throws IOException {
        try (BoltFile bolt = BoltFile.open(db)) {
            bolt.forEach("key", (k, v) -> { });
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }
}
