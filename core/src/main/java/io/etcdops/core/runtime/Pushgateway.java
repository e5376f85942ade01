package io.etcdops.core.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Pushes gauges to a Prometheus Pushgateway in the text exposition format. A push failure is logged, never fatal:
 * metrics must not turn a good backup into a failed job.
 */
public final class Pushgateway {
    private static final Logger LOG = LoggerFactory.getLogger(Pushgateway.class);

    private Pushgateway() {
    }

    /**
     * @param replaceGroup true: PUT (replace every metric of the group); false: POST (replace only these metric names,
     *                     so e.g. a last-success timestamp pushed earlier survives a failed run)
     */
    public static boolean push(String baseUrl, String job, Map<String, String> labels, Map<String, Number> gauges, boolean replaceGroup) {
        StringBuilder path = new StringBuilder(baseUrl.replaceAll("/+$", "")).append("/metrics/job/").append(enc(job));
        labels.forEach((k, v) -> path.append('/').append(enc(k)).append('/').append(enc(v)));
        StringBuilder body = new StringBuilder();
        gauges.forEach((name, value) -> {
            if (value != null) {
                body.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(value).append('\n');
            }
        });
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(path.toString())).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "text/plain; version=0.0.4");
            HttpRequest.BodyPublisher pub = HttpRequest.BodyPublishers.ofString(body.toString());
            HttpResponse<String> r = http.send(replaceGroup ? req.PUT(pub).build() : req.POST(pub).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                LOG.warn("pushgateway {} answered {}: {}", baseUrl, r.statusCode(), r.body().strip());
                return false;
            }
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("pushing metrics to {} failed: {}", baseUrl, e.getMessage());
            return false;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
