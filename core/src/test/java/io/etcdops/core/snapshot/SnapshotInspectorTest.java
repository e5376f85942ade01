package io.etcdops.core.snapshot;

import tools.jackson.databind.JsonNode;
import io.etcdops.core.bbolt.SnapshotFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inspects real etcd snapshots and compares with what etcd and etcdutl said about them (make-fixtures.sh). */
class SnapshotInspectorTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void matchesWhatEtcdAndEtcdutlReported(String version) throws Exception {
        JsonNode expected = SnapshotFixtures.expected(version);
        SnapshotContents c = SnapshotInspector.inspect(SnapshotFixtures.db(version));

        assertThat(c.revision()).isEqualTo(expected.get("revision").asLong())
                .isEqualTo(expected.at("/snapshotStatus/revision").asLong());
        assertThat(c.liveKeys()).isEqualTo(expected.get("liveKeys").asLong());
        assertThat(c.compactRevision()).isEqualTo(expected.get("compactRevision").asLong());
        assertThat(c.scheduledCompactRevision()).isEqualTo(c.compactRevision());
        assertThat(c.effectiveRevision()).isEqualTo(c.revision());
        // etcdutl 3.5 counts the entries of every bucket; etcdutl 3.6+ count the live keys under the same name
        assertThat(c.totalKeys()).isEqualTo(expected.at("/snapshotStatus35/totalKey").asLong());
        assertThat(expected.at("/snapshotStatus/totalKey").asLong())
                .isEqualTo(version.startsWith("3.4.") || version.startsWith("3.5.") ? c.totalKeys() : c.liveKeys());
        // 3.6+ record their schema in meta/storageVersion ("3.6.0"); etcdutl 3.6+ print it as "version"
        assertThat(c.storageVersion()).isEqualTo(expected.at("/snapshotStatus/version").asText(""))
                .isEqualTo(version.startsWith("3.4.") || version.startsWith("3.5.") ? "" : version.replaceAll("\\.\\d+$", ".0"));
        assertThat(c.hash()).isEqualTo(expected.at("/snapshotStatus/hash").asLong());
        assertThat(c.dbSize()).isEqualTo(expected.at("/snapshotStatus/totalSize").asLong());
        assertThat(c.fileSize()).isEqualTo(expected.get("fileSize").asLong());
        assertThat(c.hasTrailer()).isTrue();
        assertThat(c.pageSize()).isEqualTo(SnapshotFixtures.PAGE_SIZE);
        // the same ten buckets on 3.4-3.7: 3.6+ keep membership only there, 3.4/3.5 also in the v2 store
        assertThat(c.buckets()).containsExactly("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease",
                "members", "members_removed", "meta");
        assertThat(c.clusterVersion()).as("cluster/clusterVersion").isEqualTo(version.replaceAll("\\.\\d+$", ".0"));
        // make-fixtures.sh: 40 puts, 10 overwrites, 5 deletes, 1 big put, compaction, 5 overwrites, 1 put, 1 delete;
        // the compaction keeps one revision for each of the 36 keys alive then, and the 7 revisions after it stay
        assertThat(c.keyRevisions()).isEqualTo(36 + 7);
        assertThat(c.consistentIndex()).isPositive();
        assertThat(c.known()).isTrue();
        if (!version.startsWith("3.4.")) {
            assertThat(c.term()).isPositive(); // etcd 3.4 does not store the term
        }
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void verifyChecksTheTrailerAndAcceptsAPlainDbOnlyWhenAsked(String version) throws Exception {
        assertThat(SnapshotInspector.verify(SnapshotFixtures.db(version), false).revision()).isPositive();

        Path plain = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.truncate(plain, Files.size(plain) - SnapshotTrailer.LENGTH);
        assertThatThrownBy(() -> SnapshotInspector.verify(plain, false))
                .isInstanceOf(SnapshotVerificationException.class).hasMessageContaining("no sha256 trailer");
        SnapshotContents c = SnapshotInspector.verify(plain, true);
        assertThat(c.hasTrailer()).isFalse();
        assertThat(c.hash()).isEqualTo(SnapshotFixtures.expected(version).at("/snapshotStatus/hash").asLong());
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aBitFlipInAMetaPageFailsInspection(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.flipBit(db, 16 + 20);
        assertThatThrownBy(() -> SnapshotInspector.inspect(db)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessage("snapshot bbolt meta page 0 is corrupt: meta checksum mismatch (the page is corrupt)");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aBitFlipInsideAValueKeepsTheStructureButFailsTheTrailer(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        flipInsideTheBigValue(db);
        SnapshotContents c = SnapshotInspector.inspect(db);
        assertThat(c.hash()).isNotEqualTo(SnapshotFixtures.expected(version).at("/snapshotStatus/hash").asLong());
        assertThatThrownBy(() -> SnapshotInspector.verify(db, true)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessage("snapshot sha256 trailer mismatch: the stream was truncated or corrupted");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aTruncatedSnapshotFails(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.truncate(db, Files.size(db) - 5000);
        assertThatThrownBy(() -> SnapshotInspector.inspect(db)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageStartingWith("snapshot is not a readable bbolt database: the file is truncated");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aPageIdOutOfRangeFailsInspection(String version) throws IOException {
        Path db = SnapshotFixtures.copy(version, tmp);
        long branch = SnapshotFixtures.keyBucketRoot(db);
        SnapshotFixtures.writeLong(db, SnapshotFixtures.branchChildOffset(branch, 2), 123_456);
        assertThatThrownBy(() -> SnapshotInspector.inspect(db)).isInstanceOf(SnapshotVerificationException.class)
                .hasMessageContaining("page 123456: page id out of range");
    }

    @Test
    void theLiveKeySetAgreesWithAHashSet() {
        KeyHashSet set = new KeyHashSet();
        Set<Long> reference = new HashSet<>();
        Random random = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            // a small value range makes adds and removes hit present keys and long probe chains often
            long h = KeyHashSet.hash(ByteBuffer.wrap(("k" + random.nextInt(5000)).getBytes()));
            if (random.nextInt(3) == 0) {
                assertThat(set.remove(h)).isEqualTo(reference.remove(h));
            } else {
                assertThat(set.add(h)).isEqualTo(reference.add(h));
            }
            assertThat(set.size()).isEqualTo(reference.size());
        }
    }

    /**
     * Flips a bit in the middle of the 100 KiB value ('b' * 102400), deep in the overflow pages of the leaf the tree
     * reaches (a freed page may hold an older copy of it, and a flip there would not change what is read).
     */
    static void flipInsideTheBigValue(Path db) throws IOException {
        long offset = SnapshotFixtures.overflowLeaf(db) * SnapshotFixtures.PAGE_SIZE + 50_000;
        assertThat(SnapshotFixtures.read(db, offset, 1).get(0)).isEqualTo((byte) 'b');
        SnapshotFixtures.flipBit(db, offset);
    }
}
