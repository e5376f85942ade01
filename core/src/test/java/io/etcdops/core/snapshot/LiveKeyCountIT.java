package io.etcdops.core.snapshot;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.Exec;
import io.etcdops.core.runtime.Json;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live key count read from a snapshot file equals what etcd itself counts ({@code etcdctl get "" --prefix
 * --count-only}), over a random history of puts, overwrites, deletes and re-creations with compactions in between
 * — both counting methods of {@link LiveKeyCounter}: after a finished compaction (no memory per key) and in a
 * snapshot taken while a compaction is still deleting (a set of the keys). On etcd 3.5.36, 3.6.16 and 3.7.3; on
 * 3.6+ also equal to {@code etcdutl snapshot status}'s "totalKey" (3.6 changed it to count live keys) and with the
 * same storage version etcdutl reads.
 */
class LiveKeyCountIT {
    @ParameterizedTest(name = "etcd {0}")
    @ValueSource(strings = {EtcdBinaries.V3_5, EtcdBinaries.V3_6, EtcdBinaries.V3_7})
    void theCountMatchesEtcdsOwnAfterEveryKindOfHistory(String version, @TempDir Path tmp) throws Exception {
        Random random = new Random(7);
        try (EtcdCluster cluster = EtcdCluster.start(version, 1); Client client = cluster.client()) {
            KV kv = client.getKVClient();
            int snapshots = 0;
            for (int round = 0; round < 6; round++) {
                long rev = randomHistory(kv, random, 1500, "/r" + (round % 3) + "/");
                // compact at a revision inside the history just written, or at its end (where etcd 3.5 keeps a
                // tombstone at exactly the compact revision), and wait until it is done
                long at = random.nextBoolean() ? rev : rev - random.nextInt(1000);
                kv.compact(at, CompactOption.newBuilder().withCompactPhysical(true).build()).get();
                randomHistory(kv, random, 300, "/r" + (round % 3) + "/");
                SnapshotContents c = snapshot(cluster, tmp.resolve("s" + snapshots++ + ".db"));
                assertThat(c.scheduledCompactRevision()).as("a finished compaction").isEqualTo(c.compactRevision());
                assertThat(c.liveKeys()).as("round %d, compacted at %d", round, at).isEqualTo(etcdCount(kv));
                assertSameAsEtcdutl(version, tmp.resolve("s" + (snapshots - 1) + ".db"), c);
            }

            // a compaction that deletes tens of thousands of revisions takes etcd a while (batches of 1000 with a
            // pause between them): a snapshot right after the Compact call usually catches it half done
            boolean caughtMidCompaction = false;
            for (int attempt = 0; attempt < 4 && !caughtMidCompaction; attempt++) {
                long rev = randomHistory(kv, random, 30_000, "/m/");
                kv.compact(rev - 100).get();
                SnapshotContents c = snapshot(cluster, tmp.resolve("m" + attempt + ".db"));
                caughtMidCompaction = c.scheduledCompactRevision() > c.compactRevision();
                assertThat(c.liveKeys()).as("attempt %d, mid-compaction %s", attempt, caughtMidCompaction)
                        .isEqualTo(etcdCount(kv));
                assertSameAsEtcdutl(version, tmp.resolve("m" + attempt + ".db"), c);
            }
            assertThat(caughtMidCompaction).as("one snapshot was taken while a compaction was still running").isTrue();
        }
    }

    /** etcdutl 3.6+'s snapshot status: totalKey is the live key count, version the storage version. */
    private static void assertSameAsEtcdutl(String version, Path file, SnapshotContents c) throws Exception {
        if (!EtcdBinaries.atLeast36(version)) {
            return; // etcdutl 3.5's totalKey counts every bucket's entries: SnapshotInspectorTest compares that one
        }
        String out = Exec.run(List.of(EtcdBinaries.of(version).etcdutl().orElseThrow().toString(), "snapshot", "status",
                file.toString(), "-w", "json"), Duration.ofSeconds(30));
        JsonNode status = Json.mapper().readTree(out.substring(out.lastIndexOf("{\"hash\"")));
        assertThat(c.liveKeys()).as("etcdutl %s totalKey", version).isEqualTo(status.get("totalKey").asLong());
        assertThat(c.revision()).isEqualTo(status.get("revision").asLong());
        assertThat(c.hash()).isEqualTo(status.get("hash").asLong());
        assertThat(c.storageVersion()).isEqualTo(status.get("version").asText()).isEqualTo(EtcdBinaries.minor(version) + ".0");
    }

    /** Random puts, overwrites and deletes of 400 keys under {@code prefix}; returns the last revision. */
    private static long randomHistory(KV kv, Random random, int operations, String prefix) throws Exception {
        long revision = 0;
        for (int i = 0; i < operations; i++) {
            ByteSequence key = ByteSequence.from(prefix + random.nextInt(400), StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) {
                revision = kv.delete(key).get().getHeader().getRevision();
            } else {
                revision = kv.put(key, ByteSequence.from("v" + i, StandardCharsets.UTF_8)).get().getHeader().getRevision();
            }
        }
        return revision;
    }

    private static SnapshotContents snapshot(EtcdCluster cluster, Path file) throws Exception {
        cluster.etcdctl("snapshot", "save", file.toString());
        return SnapshotInspector.verify(file, false);
    }

    /** What {@code etcdctl get "" --prefix} counts: every key from "\0" on (range end "\0" = no end). */
    private static long etcdCount(KV kv) throws Exception {
        ByteSequence zero = ByteSequence.from(new byte[] {0});
        return kv.get(zero, GetOption.newBuilder().withRange(zero).withCountOnly(true).build()).get().getCount();
    }
}
