package io.etcdops.health;

import com.sun.net.httpserver.HttpServer;
import io.etcdops.health.action.ActionResult;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The etcd_ops_health_* gauges and their push. No Pushgateway binary is installable here, so the push goes to the
 * JDK's HttpServer standing in for it; what is asserted is the request a Pushgateway would receive (method, path with
 * the grouping key, text exposition body).
 */
class HealthMetricsTest {

    private static HealthEvaluator.Evaluation evaluation() {
        FakeCluster c = FakeCluster.of("m0", "m1", "m2").down("m2").sizes("m0", 200L << 20, 50L << 20);
        var v = c.view();
        return new HealthEvaluator(Thresholds.defaults()).evaluate(new Observation(Instant.now(), v, v.alarms(), null, null, false,
                false, Map.of(), io.etcdops.health.hashkv.HashKvComparison.compare(0, List.of()), null, null));
    }

    @Test
    void gaugesSummariseTheReport() {
        Map<String, Number> g = HealthMetrics.gauges(evaluation(), List.of(), Clock.fixed(Instant.ofEpochSecond(1234), ZoneOffset.UTC));
        assertThat(g).containsEntry("etcd_ops_health_status", 2).containsEntry("etcd_ops_health_members", 3)
                .containsEntry("etcd_ops_health_members_reachable", 2).containsEntry("etcd_ops_health_quorum_margin", 0)
                .containsEntry("etcd_ops_health_has_leader", 1).containsEntry("etcd_ops_health_hashkv_consistent", -1)
                .containsEntry("etcd_ops_health_db_in_use_ratio_min", 0.25)
                .containsEntry("etcd_ops_health_last_run_timestamp_seconds", 1234L);
        assertThat(g.keySet()).allMatch(k -> k.startsWith("etcd_ops_health_"));
        assertThat(g).doesNotContainKey("etcd_ops_health_defrag_reclaimed_bytes");
        ActionResult done = new ActionResult("defrag", "done", "x", null, List.of(), 5000, null, null);
        assertThat(HealthMetrics.gauges(evaluation(), List.of(done), Clock.systemUTC()))
                .containsEntry("etcd_ops_health_defrag_reclaimed_bytes", 5000L).containsEntry("etcd_ops_health_action_failed", 0);
    }

    @Test
    void pushIsAPutOfTheGroupInTextFormat() throws Exception {
        AtomicReference<String> request = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            request.set(ex.getRequestMethod() + " " + ex.getRequestURI() + "\n"
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        try {
            HealthMetrics.push("http://127.0.0.1:" + server.getAddress().getPort(), "prod-etcd", evaluation(), List.of(), Clock.systemUTC());
        } finally {
            server.stop(0);
        }
        assertThat(request.get()).startsWith("PUT /metrics/job/etcd-ops-health/cluster/prod-etcd\n")
                .contains("# TYPE etcd_ops_health_status gauge\netcd_ops_health_status 2\n")
                .contains("etcd_ops_health_quorum_margin 0\n");
    }
}
