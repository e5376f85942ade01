package io.etcdops.core.bbolt;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link BoltStreamCondenser} holds in memory is bounded by the stream, not by what its meta page claims. */
class BoltStreamCondenserTest {
    private static final int PAGE = SnapshotFixtures.PAGE_SIZE;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aMetaPageClaimingTwoBillionPagesFailsAsTruncatedWithoutAllocatingForThem(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        for (int page = 0; page < 2; page++) {
            long base = (long) page * PAGE;
            // bbolt meta: ... pgid (the high-water mark) at 56, txid at 64, checksum of bytes 16..72 at 72
            SnapshotFixtures.writeLong(db, base + 56, Integer.MAX_VALUE);
            ByteBuffer fields = SnapshotFixtures.read(db, base, 72);
            SnapshotFixtures.writeLong(db, base + 72, BoltMeta.fnv1a64(fields, 16, 56));
        }
        assertThatThrownBy(() -> BoltFile.open(db).close()).hasMessageContaining("the file is truncated");

        // an index over the claimed pages would be 8 GiB: the test JVM could not allocate it
        BoltStreamCondenser condenser = new BoltStreamCondenser(tmp.resolve("work"), (src, off, len, out, outOff) -> -1);
        condenser.write(Files.readAllBytes(db));
        assertThatThrownBy(condenser::finish).isInstanceOf(BoltFormatException.class)
                .hasMessageContaining("the file is truncated");
        assertThat(tmp.resolve("work")).doesNotExist();
    }
}
