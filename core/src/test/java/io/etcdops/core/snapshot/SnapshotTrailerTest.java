package io.etcdops.core.snapshot;

import io.etcdops.core.bbolt.SnapshotFixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotTrailerTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aSnapshotFromEtcdHasAValidTrailer(String version) throws Exception {
        Path db = SnapshotFixtures.db(version);
        assertThat(SnapshotTrailer.check(db)).isEqualTo(SnapshotTrailer.Status.VALID);
        assertThat(SnapshotTrailer.hasValidTrailer(db)).isTrue();
        assertThat(SnapshotTrailer.hasTrailerBySize(Files.size(db))).isTrue();

        byte[] bytes = Files.readAllBytes(db);
        SnapshotTrailer.Checker checker = feed(bytes, 64 * 1024);
        byte[] dbPart = Arrays.copyOf(bytes, bytes.length - 32);
        assertThat(checker.dbSha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(dbPart))
                .isEqualTo(checker.trailer());
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void aBitFlipInTheMiddleIsAMismatch(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        SnapshotFixtures.flipBit(db, Files.size(db) / 2);
        assertThat(SnapshotTrailer.check(db)).isEqualTo(SnapshotTrailer.Status.MISMATCH);
        assertThat(SnapshotTrailer.hasValidTrailer(db)).isFalse();
        assertThatThrownBy(() -> SnapshotTrailer.require(SnapshotTrailer.check(db), true))
                .isInstanceOf(SnapshotVerificationException.class)
                .hasMessage("snapshot sha256 trailer mismatch: the stream was truncated or corrupted");
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void truncationIsBadLengthAndAStrippedTrailerIsAPlainDb(String version) throws Exception {
        Path db = SnapshotFixtures.copy(version, tmp);
        long size = Files.size(db);
        SnapshotFixtures.truncate(db, size - 32);
        assertThat(SnapshotTrailer.check(db)).isEqualTo(SnapshotTrailer.Status.ABSENT);
        assertThat(SnapshotTrailer.hasValidTrailer(db)).isFalse();
        SnapshotTrailer.require(SnapshotTrailer.Status.ABSENT, true);
        SnapshotFixtures.truncate(db, size - 1000);
        assertThat(SnapshotTrailer.check(db)).isEqualTo(SnapshotTrailer.Status.BAD_LENGTH);
        SnapshotFixtures.truncate(db, 10);
        assertThat(SnapshotTrailer.check(db)).isEqualTo(SnapshotTrailer.Status.BAD_LENGTH);
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void feedingInAnyChunkSizeGivesTheSameResult(String version) throws Exception {
        byte[] good = Files.readAllBytes(SnapshotFixtures.db(version));
        byte[] corrupt = good.clone();
        corrupt[corrupt.length / 2] ^= 0x10;
        for (byte[] bytes : new byte[][] {good, corrupt}) {
            SnapshotTrailer.Checker oneByte = new SnapshotTrailer.Checker();
            for (byte b : bytes) {
                oneByte.update(b);
            }
            SnapshotTrailer.Checker big = feed(bytes, 64 * 1024);
            SnapshotTrailer.Checker ragged = feedRandomChunks(bytes, new Random(7));
            assertThat(big.status()).isEqualTo(oneByte.status()).isEqualTo(ragged.status())
                    .isEqualTo(bytes == good ? SnapshotTrailer.Status.VALID : SnapshotTrailer.Status.MISMATCH);
            assertThat(big.dbSha256()).isEqualTo(oneByte.dbSha256()).isEqualTo(ragged.dbSha256());
            assertThat(big.count()).isEqualTo(bytes.length);
        }
    }

    @ParameterizedTest(name = "etcd {0}")
    @MethodSource("io.etcdops.core.bbolt.SnapshotFixtures#versions")
    void theStreamWrappersPassEveryByteThroughAndCatchATruncatedStream(String version) throws Exception {
        byte[] bytes = Files.readAllBytes(SnapshotFixtures.db(version));

        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (SnapshotTrailer.CheckingOutputStream out = new SnapshotTrailer.CheckingOutputStream(sink)) {
            out.write(bytes, 0, 100);
            out.write(bytes[100]);
            out.write(bytes, 101, bytes.length - 101);
            assertThat(out.checker().status()).isEqualTo(SnapshotTrailer.Status.VALID);
        }
        assertThat(sink.toByteArray()).isEqualTo(bytes);

        var in = new SnapshotTrailer.CheckingInputStream(new ByteArrayInputStream(bytes));
        assertThat(in.readAllBytes()).isEqualTo(bytes);
        assertThat(in.checker().status()).isEqualTo(SnapshotTrailer.Status.VALID);

        // a stream cut off early: the last 32 bytes seen are data, not the sha256 of what came before
        InputStream cut = new ByteArrayInputStream(bytes, 0, bytes.length - 4096);
        SnapshotTrailer.CheckingInputStream truncated = new SnapshotTrailer.CheckingInputStream(cut);
        truncated.transferTo(OutputStream.nullOutputStream());
        assertThat(truncated.checker().status()).isEqualTo(SnapshotTrailer.Status.MISMATCH);
        InputStream cutMidPage = new ByteArrayInputStream(bytes, 0, bytes.length - 700);
        SnapshotTrailer.CheckingInputStream ragged = new SnapshotTrailer.CheckingInputStream(cutMidPage);
        ragged.transferTo(OutputStream.nullOutputStream());
        assertThat(ragged.checker().status()).isEqualTo(SnapshotTrailer.Status.BAD_LENGTH);
    }

    private static SnapshotTrailer.Checker feed(byte[] bytes, int chunk) {
        SnapshotTrailer.Checker checker = new SnapshotTrailer.Checker();
        for (int off = 0; off < bytes.length; off += chunk) {
            checker.update(bytes, off, Math.min(chunk, bytes.length - off));
        }
        return checker;
    }

    private static SnapshotTrailer.Checker feedRandomChunks(byte[] bytes, Random random) {
        SnapshotTrailer.Checker checker = new SnapshotTrailer.Checker();
        int off = 0;
        while (off < bytes.length) {
            int n = Math.min(bytes.length - off, random.nextInt(100)); // 0..99: around and below the 32-byte window
            checker.update(bytes, off, n);
            off += n;
        }
        return checker;
    }
}
