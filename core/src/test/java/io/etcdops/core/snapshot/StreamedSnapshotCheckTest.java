package io.etcdops.core.snapshot;

import io.etcdops.core.bbolt.SnapshotFixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The check of a snapshot as it streams past gives what {@link SnapshotInspector#inspect(Path)} gives for the file
 * (real etcd snapshots, make-fixtures.sh), and fails where it fails, with the same message.
 */
class StreamedSnapshotCheckTest {
    private static final int PAGE = SnapshotFixtures.PAGE_SIZE;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void agreesWithTheFileInspectionWhateverTheChunking(String version) throws Exception {
        Path db = SnapshotFixtures.db(version);
        SnapshotContents expected = SnapshotInspector.inspect(db);
        for (int maxChunk : new int[] {1, 7, 4096, 32 * 1024, 1 << 20}) {
            SnapshotContents streamed = stream(db, maxChunk, 42);
            assertThat(streamed).as("chunks up to %d bytes", maxChunk).usingRecursiveComparison()
                    .ignoringFields("hash").isEqualTo(expected);
            assertThat(streamed.hash()).as("etcdutl's hash needs the values: not computed").isZero();
        }
        assertThat(tmp).isEmptyDirectory();
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void keepsFarLessThanTheDb(String version) throws Exception {
        Path db = SnapshotFixtures.db(version);
        StreamedSnapshotCheck check = new StreamedSnapshotCheck(tmp.resolve("work"));
        check.write(Files.readAllBytes(db));
        check.flush();
        long kept = Files.size(tmp.resolve("work"));
        assertThat(kept).isEqualTo(check.keptBytes()).isPositive();
        // the fixture's 100 KiB value and its older copies in freed pages are most of the db; the tree pages stay
        assertThat(kept).as("kept of %d", Files.size(db)).isLessThan(Files.size(db) / 3);
        check.finish();
        assertThat(tmp.resolve("work")).doesNotExist();
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void failsWithTheFileInspectionsMessages(String version) throws Exception {
        Path metaFlip = SnapshotFixtures.copy(version, dir("m"));
        SnapshotFixtures.flipBit(metaFlip, 16 + 20);
        assertSameFailure(metaFlip, "snapshot bbolt meta page 0 is corrupt: meta checksum mismatch (the page is corrupt)");

        Path truncated = SnapshotFixtures.copy(version, dir("t"));
        SnapshotFixtures.truncate(truncated, Files.size(truncated) - 5000);
        assertSameFailure(truncated, "snapshot is not a readable bbolt database: the file is truncated");

        Path outOfRange = SnapshotFixtures.copy(version, dir("o"));
        SnapshotFixtures.writeLong(outOfRange, SnapshotFixtures.branchChildOffset(SnapshotFixtures.keyBucketRoot(outOfRange), 2), 123_456);
        assertSameFailure(outOfRange, "page 123456: page id out of range");

        Path notAPage = SnapshotFixtures.copy(version, dir("n"));
        long leaf = SnapshotFixtures.overflowLeaf(notAPage);
        SnapshotFixtures.writeLong(notAPage, leaf * PAGE, leaf + 1);
        assertThatThrownBy(() -> stream(notAPage, 4096, 1)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageContaining("page " + leaf + ": is not a branch or leaf page with its own id in the stream");
        assertThatThrownBy(() -> SnapshotInspector.inspect(notAPage)).hasMessageContaining("page " + leaf + ": header says it is page");

        Path notAKeyValue = SnapshotFixtures.copy(version, dir("k"));
        // the big value's KeyValue: its first tag becomes wire type 7, which no protobuf has
        long valueStart = valueOffset(notAKeyValue, leaf);
        SnapshotFixtures.write(notAKeyValue, valueStart, new byte[] {0x0f});
        assertSameFailure(notAKeyValue, "snapshot is not an etcd database: the value at revision");

        Path zeros = tmp.resolve("zeros.db");
        Files.write(zeros, new byte[3 * PAGE]);
        assertSameFailure(zeros, "snapshot is not a readable bbolt database: page 0: no valid meta page");
        assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().startsWith("work")).count())
                .as("no work file left after a failed check").isZero();
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aBitFlipInsideTheBigValueStillPassesTheStructureCheck(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotInspectorTest.flipInsideTheBigValue(db);
        SnapshotContents streamed = stream(db, 32 * 1024, 3);
        assertThat(streamed.liveKeys()).isEqualTo(SnapshotInspector.inspect(db).liveKeys());
        // the sha256 trailer is what catches it (SnapshotTrailer, checked on the same stream by the encoder)
    }

    /**
     * A freed span's stale header claiming the blocks after it as overflow, where the next block is a page a tree
     * uses: the stream check must still find that page. Tries every block before a used page as the stale header.
     */
    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aStaleOverflowHeaderDoesNotHideThePagesAfterIt(String version) throws Exception {
        Path original = SnapshotFixtures.db(version);
        SnapshotContents expected = SnapshotInspector.inspect(original);
        long pages = Files.size(original) / PAGE;
        int tried = 0;
        for (long free = 2; free + 3 < pages; free++) {
            Path db = SnapshotFixtures.copy(version, dir("s" + free));
            ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(free).putShort((short) 0x02).putShort((short) 0).putInt(2);
            SnapshotFixtures.write(db, free * PAGE, header.array());
            if (!usedByATree(db, free + 1) || !sameAsTheOriginal(db, expected)) {
                continue; // the next page is free too, or this block was a page in use (the file check differs)
            }
            tried++;
            assertThat(stream(db, 32 * 1024, free)).usingRecursiveComparison().ignoringFields("hash").isEqualTo(expected);
        }
        assertThat(tried).as("blocks before a used page that are free in the fixture").isPositive();
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aSpanLargerThanTheLimitFailsOnlyIfATreeReachesIt(String version) throws Exception {
        Path db = SnapshotFixtures.db(version);
        var condenser = io.etcdops.core.bbolt.BoltStreamCondenserAccess.withMaxSpan(tmp.resolve("work"), new KeyValueCondenser(), 8 * PAGE);
        condenser.write(Files.readAllBytes(db));
        assertThatThrownBy(() -> {
            try (var bolt = condenser.finish()) {
                SnapshotInspector.inspect(bolt, false);
            }
        }).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageContaining("page " + SnapshotFixtures.overflowLeaf(db) + ": spans")
                .hasMessageContaining("bytes a check of the stream holds");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aLeafWhoseElementsShareTheirBytesFailsAsInTheFile(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        long leaf = leafWithElements(db, 2);
        // elements 0 and 1 both claim every byte after the element array, as a long key and a 10-byte value (kept as
        // it is): each fits in the page, their copies together would not
        int count = Short.toUnsignedInt(SnapshotFixtures.read(db, leaf * PAGE + 10, 2).order(ByteOrder.LITTLE_ENDIAN).getShort(0));
        int elementsEnd = 16 + count * 16;
        for (int i = 0; i < 2; i++) {
            int e = 16 + i * 16;
            ByteBuffer element = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(elementsEnd - e).putInt(PAGE - elementsEnd - 10).putInt(10);
            SnapshotFixtures.write(db, leaf * PAGE + e + 4, element.array());
        }
        assertSameFailure(db, "page " + leaf + ": key 1 is not greater than key 0");
    }

    /** A single-page leaf of the key bucket with at least {@code min} elements. */
    private static long leafWithElements(Path db, int min) throws IOException {
        long branch = SnapshotFixtures.keyBucketRoot(db);
        int children = Short.toUnsignedInt(SnapshotFixtures.read(db, branch * PAGE + 10, 2).order(ByteOrder.LITTLE_ENDIAN).getShort(0));
        for (int i = 0; i < children; i++) {
            long child = SnapshotFixtures.read(db, SnapshotFixtures.branchChildOffset(branch, i), 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            ByteBuffer h = SnapshotFixtures.read(db, child * PAGE, 16).order(ByteOrder.LITTLE_ENDIAN);
            if (h.getShort(8) == 0x02 && Short.toUnsignedInt(h.getShort(10)) >= min && h.getInt(12) == 0) {
                return child;
            }
        }
        throw new IllegalStateException("no single-page leaf with " + min + " elements under the key bucket");
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private void assertSameFailure(Path db, String message) {
        assertThatThrownBy(() -> SnapshotInspector.inspect(db)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageContaining(message);
        assertThatThrownBy(() -> stream(db, 4096, 7)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageContaining(message);
    }

    private SnapshotContents stream(Path db, int maxChunk, long seed) throws IOException, SnapshotVerificationException {
        byte[] bytes = Files.readAllBytes(db);
        Random random = new Random(seed);
        StreamedSnapshotCheck check = new StreamedSnapshotCheck(tmp.resolve("work-" + seed));
        try {
            for (int p = 0; p < bytes.length; ) {
                int n = Math.min(bytes.length - p, 1 + random.nextInt(maxChunk));
                check.write(bytes, p, n);
                p += n;
            }
            check.close();
            return check.finish();
        } finally {
            check.discard();
        }
    }

    private static boolean passes(Path db) throws IOException {
        try {
            SnapshotInspector.inspect(db);
            return true;
        } catch (SnapshotVerificationException e) {
            return false;
        }
    }

    private static boolean sameAsTheOriginal(Path db, SnapshotContents expected) throws IOException {
        try {
            return SnapshotInspector.inspect(db).equals(expected);
        } catch (SnapshotVerificationException e) {
            return false;
        }
    }

    /** Whether a tree uses page {@code pgid}: damaging its header makes the file check fail. */
    private boolean usedByATree(Path db, long pgid) throws IOException {
        Path probe = Files.copy(db, tmp.resolve("probe.db"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        SnapshotFixtures.writeLong(probe, pgid * PAGE, pgid + 1_000_000);
        boolean used = !passes(probe);
        Files.delete(probe);
        return used;
    }

    /** File offset of the value of the first element of leaf page {@code leaf}. */
    private static long valueOffset(Path db, long leaf) throws IOException {
        ByteBuffer e = SnapshotFixtures.read(db, leaf * PAGE + 16, 16).order(ByteOrder.LITTLE_ENDIAN);
        return leaf * PAGE + 16 + e.getInt(4) + e.getInt(8);
    }
}
