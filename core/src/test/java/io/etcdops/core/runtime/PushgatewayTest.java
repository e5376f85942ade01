package io.etcdops.core.runtime;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Pushgateway protocol as we use it, against a recording HTTP endpoint standing in for a Pushgateway (a stand-in:
 * no Pushgateway runs in these tests). Checks method (PUT replaces the group, POST only the names sent), path and
 * the text exposition format; a failing gateway never throws.
 */
class PushgatewayTest {

    @Test
    void putsOrPostsTextFormatToTheGroupPath() throws Exception {
        List<String> requests = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + "\n"
                    + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Map<String, Number> m = new LinkedHashMap<>();
            m.put("etcd_ops_backup_last_run_success", 1);
            m.put("etcd_ops_backup_size_bytes", 1234L);
            assertThat(Pushgateway.push(url, "etcd-ops-backup", Map.of("cluster", "prod a"), m, true)).isTrue();
            assertThat(Pushgateway.push(url, "etcd-ops-backup", Map.of("cluster", "prod a"), Map.of("x", 0), false)).isTrue();
            assertThat(requests.get(0)).startsWith("PUT /metrics/job/etcd-ops-backup/cluster/prod%20a\n")
                    .contains("# TYPE etcd_ops_backup_last_run_success gauge\netcd_ops_backup_last_run_success 1\n")
                    .contains("etcd_ops_backup_size_bytes 1234\n");
            assertThat(requests.get(1)).startsWith("POST /metrics/job/etcd-ops-backup/cluster/prod%20a\n");
        } finally {
            server.stop(0);
        }
        assertThat(Pushgateway.push("http://127.0.0.1:1", "j", Map.of(), Map.of("x", 1), true)).as("unreachable: false, no throw").isFalse();
    }
}
