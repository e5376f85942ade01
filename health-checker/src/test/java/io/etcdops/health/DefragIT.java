package io.etcdops.health;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fragmented db (write ~24 MiB, delete it, compact) shrinks with --defrag: one member at a time, the leader last,
 * while a writer keeps writing (no write may fail; stalls are allowed). The order is recorded in the report's steps.
 */
class DefragIT {
    private static final long MIB = 1024 * 1024;

    @ParameterizedTest(name = "etcd {0}")
    @ValueSource(strings = {EtcdBinaries.V3_6})
    void fragmentedDbShrinksLeaderLast(String version) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(HealthCheckerHarness.spec(version)); Client client = c.client()) {
            c.fill(24 * MIB, 8 * 1024);
            long rev = client.getKVClient().delete(bytes("/registry/"), DeleteOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS).getHeader().getRevision();
            client.getKVClient().compact(rev, CompactOption.builder().withCompactPhysical(true).build()).get(60, TimeUnit.SECONDS);
            String[] threshold = {"--fragmentation-min-size", "8MiB"};

            HealthCheckerHarness.Result before = HealthCheckerHarness.run(c, "--format", "json", threshold[0], threshold[1]);
            assertThat(before.problems()).as(before.toString()).hasSize(3)
                    .allSatisfy(f -> assertThat(f).containsEntry("check", "fragmentation").containsEntry("severity", "warning"));
            Map<String, Long> sizeBefore = sizes(before);
            assertThat(sizeBefore.values()).allSatisfy(s -> assertThat(s).isGreaterThan(16 * MIB));

            HealthCheckerHarness.Result dry = HealthCheckerHarness.run(c, "--format", "json", "--defrag", "--dry-run", threshold[0], threshold[1]);
            assertThat(steps(dry)).hasSize(3).allSatisfy(s -> assertThat(s).containsEntry("outcome", "planned"));
            assertThat(steps(dry).get(2)).containsEntry("leader", true);
            assertThat(sizes(HealthCheckerHarness.run(c, "--format", "json", "--metrics", "off"))).isEqualTo(sizeBefore);

            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger written = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            Thread writer = new Thread(() -> {
                try (Client w = c.client()) {
                    while (writing.get()) {
                        try {
                            w.getKVClient().put(bytes("/writer/" + written.get()), bytes("v")).get(30, TimeUnit.SECONDS);
                            written.incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }
            });
            writer.start();
            HealthCheckerHarness.Result r;
            try {
                r = HealthCheckerHarness.run(c, "--format", "json", "--defrag", threshold[0], threshold[1]);
            } finally {
                writing.set(false);
                writer.join(60_000);
            }
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.json()).containsEntry("status", "healthy").containsEntry("status-before-actions", "warning");
            Map<String, Object> action = r.actions().get(0);
            assertThat(action).containsEntry("action", "defrag").containsEntry("outcome", "done");
            List<Map<String, Object>> steps = steps(r);
            System.out.println("defrag order (" + version + "): " + steps.stream()
                    .map(s -> s.get("member") + (Boolean.TRUE.equals(s.get("leader")) ? "(leader)" : "")).toList());
            assertThat(steps).extracting(s -> s.get("leader")).containsExactly(false, false, true);
            assertThat(steps).extracting(s -> s.get("member")).containsExactlyInAnyOrder("m0", "m1", "m2");
            // one at a time: each member started after the previous one finished
            for (int i = 1; i < steps.size(); i++) {
                Instant prevEnd = Instant.parse((String) steps.get(i - 1).get("finishedAt"));
                Instant start = Instant.parse((String) steps.get(i).get("startedAt"));
                assertThat(start).isAfterOrEqualTo(prevEnd);
            }
            assertThat(steps).allSatisfy(s -> {
                assertThat(((Number) s.get("dbSizeAfter")).longValue()).isLessThan(((Number) s.get("dbSizeBefore")).longValue() / 2);
                assertThat(((Number) s.get("reclaimedBytes")).longValue()).isPositive();
            });
            assertThat(((Number) action.get("reclaimedBytes")).longValue()).isGreaterThan(3 * 8 * MIB);
            assertThat(failed.get()).as("failed writes during defrag (" + written.get() + " succeeded)").isZero();
            assertThat(written.get()).isPositive();

            HealthCheckerHarness.Result after = HealthCheckerHarness.run(c, "--format", "json", threshold[0], threshold[1]);
            assertThat(after.problems()).isEmpty();
            sizes(after).forEach((m, s) -> assertThat(s).isLessThan(sizeBefore.get(m) / 2));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> steps(HealthCheckerHarness.Result r) {
        return (List<Map<String, Object>>) r.actions().get(0).get("steps");
    }

    private static Map<String, Long> sizes(HealthCheckerHarness.Result r) {
        Map<String, Long> out = new java.util.TreeMap<>();
        r.members().forEach(m -> out.put((String) m.get("name"), ((Number) m.get("dbSize")).longValue()));
        return out;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
