package io.etcdops.health;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real NOSPACE alarm: a small --quota-backend-bytes filled by overwriting one key (history, as a controller that
 * rewrites an object would), detected, then recovered with --recover-nospace so writes succeed again.
 */
class NospaceIT {
    private static final long QUOTA = 4L * 1024 * 1024;

    @ParameterizedTest(name = "etcd {0}")
    @ValueSource(strings = {EtcdBinaries.V3_6, EtcdBinaries.V3_5})
    void detectedAndRecovered(String version) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(HealthCheckerHarness.spec(version).withQuota(QUOTA)); Client client = c.client()) {
            fillUntilNospace(client);

            HealthCheckerHarness.Result r = HealthCheckerHarness.run(c, "--format", "json");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.problems()).anySatisfy(f -> {
                assertThat(f).containsEntry("check", "alarms").containsEntry("severity", "critical");
                assertThat((String) f.get("message")).contains("NOSPACE");
                assertThat((String) f.get("advice")).contains("--recover-nospace");
            });
            assertThat(r.cluster()).containsEntry("quotaBytes", (int) QUOTA)
                    // 3.6+ reports its quota in the status answer (dbSizeQuota); 3.5 only in its metrics
                    .containsEntry("quotaSource", EtcdBinaries.atLeast36(version) ? "member" : "metrics");
            // NOSPACE is a cluster condition: the members still count as healthy voters
            assertThat(r.cluster()).containsEntry("quorumMargin", 1);

            r = HealthCheckerHarness.run(c, "--format", "json", "--recover-nospace", "--dry-run");
            assertThat(r.actions()).singleElement().satisfies(a -> {
                assertThat(a).containsEntry("outcome", "dry-run");
                assertThat((String) a.get("reason")).contains("would compact to revision");
            });
            assertThat(c.etcdctl("alarm", "list")).contains("NOSPACE");

            r = HealthCheckerHarness.run(c, "--format", "json", "--recover-nospace");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.json()).containsEntry("status", "healthy").containsEntry("status-before-actions", "critical");
            Map<String, Object> action = r.actions().get(0);
            assertThat(action).containsEntry("action", "recover-nospace").containsEntry("outcome", "done");
            assertThat(((Number) action.get("compactedToRevision")).longValue()).isPositive();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> steps = (List<Map<String, Object>>) action.get("steps");
            assertThat(steps).hasSize(3).allSatisfy(s -> assertThat(s).containsEntry("outcome", "done"));
            assertThat(steps.get(2)).containsEntry("leader", true);
            assertThat(((Number) action.get("reclaimedBytes")).longValue()).isPositive();
            assertThat((List<?>) action.get("disarmed")).isNotEmpty().allSatisfy(d -> assertThat((String) d).startsWith("NOSPACE@"));
            assertThat((List<?>) action.get("alarmsAfter")).isEmpty();

            // writes succeed again
            client.getKVClient().put(bytes("/after/recovery"), bytes("ok")).get(10, TimeUnit.SECONDS);
            // etcdctl may log a retried "invalid auth token" (simple tokens are per member) as a JSON line: not an alarm
            assertThat(c.etcdctl("alarm", "list").lines().filter(l -> !l.startsWith("{\"level\"")).toList()).isEmpty();
        }
    }

    private static void fillUntilNospace(Client client) throws Exception {
        byte[] value = new byte[32 * 1024];
        Arrays.fill(value, (byte) 'x');
        for (int i = 0; i < 2000; i++) {
            try {
                client.getKVClient().put(bytes("/nospace/rewritten"), ByteSequence.from(value)).get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (String.valueOf(e.getCause().getMessage()).contains("database space exceeded")) {
                    return;
                }
                throw e;
            }
        }
        throw new AssertionError("no NOSPACE after 2000 writes of 32 KiB with a 4 MiB quota");
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
