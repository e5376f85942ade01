package io.etcdops.health.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The etcd-mixin signals from a real /metrics page: recorded from the leader of a 3-member etcd 3.5.30 cluster
 * (src/test/resources/metrics/etcd-3.5.30-leader.txt); expected p99s worked out by hand from its buckets.
 */
class SignalExtractorTest {

    static String recorded() throws IOException {
        try (InputStream in = SignalExtractorTest.class.getResourceAsStream("/metrics/etcd-3.5.30-leader.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesEveryLineOfARealPage() throws IOException {
        String text = recorded();
        long sampleLines = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
        assertThat(PrometheusText.parse(text)).hasSize((int) sampleLines);
    }

    @Test
    void singleScrapeGivesCountsSinceStart() throws IOException {
        MetricsScrape s = MetricsScrape.parse(Instant.ofEpochSecond(1_795_514_700L), recorded());
        MemberSignals sig = SignalExtractor.extract("http://m0:2379/metrics", null, s);
        assertThat(sig.window()).isEqualTo("since-start");
        // wal fsync buckets 0.002:57, 0.004:60 of 60 -> rank 59.4 is 2.4/3 into (0.002, 0.004]
        assertThat(sig.walFsyncP99()).isCloseTo(0.0036, within(1e-9));
        // backend commit 0.008:18, 0.016:20 of 20 -> rank 19.8 is 1.8/2 into (0.008, 0.016]
        assertThat(sig.backendCommitP99()).isCloseTo(0.0152, within(1e-9));
        // peer RTT: the slower peer (1 of 2 observations above 0.1 ms) wins
        assertThat(sig.peerRttP99()).isCloseTo(0.000198, within(1e-12));
        assertThat(sig.peerRttWorstPeer()).isEqualTo("5aab661468bd3da2");
        assertThat(sig.leaderChangesSinceStart()).isEqualTo(1);
        assertThat(sig.leaderChangesInWindow()).isNull();
        assertThat(sig.quotaBackendBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(sig.uptimeSeconds()).isEqualTo(1_795_514_700L - 1_795_514_654L);
    }

    @Test
    void twoScrapesJudgeOnlyTheWindow() throws IOException {
        String before = recorded();
        // ten slow fsyncs (between 0.512 s and 1.024 s) and two more leader changes happen between the scrapes
        String after = before.lines().map(l -> bump(l)).reduce("", (a, b) -> a + b + "\n");
        MetricsScrape first = MetricsScrape.parse(Instant.ofEpochSecond(1000), before);
        MetricsScrape second = MetricsScrape.parse(Instant.ofEpochSecond(1010), after);
        MemberSignals sig = SignalExtractor.extract("u", first, second);
        assertThat(sig.window()).isEqualTo("10.0s");
        assertThat(sig.walFsyncP99()).isGreaterThan(0.9).isLessThanOrEqualTo(1.024);
        assertThat(sig.leaderChangesInWindow()).isEqualTo(2);
        assertThat(sig.leaderChangesSinceStart()).isEqualTo(3);
    }

    @Test
    void quietWindowFallsBackToCountsSinceStart() throws IOException {
        MetricsScrape first = MetricsScrape.parse(Instant.ofEpochSecond(1000), recorded());
        MetricsScrape second = MetricsScrape.parse(Instant.ofEpochSecond(1010), recorded());
        MemberSignals sig = SignalExtractor.extract("u", first, second);
        assertThat(sig.window()).isEqualTo("since-start");
        assertThat(sig.walFsyncP99()).isCloseTo(0.0036, within(1e-9));
        assertThat(sig.leaderChangesInWindow()).isZero();
    }

    private static String bump(String line) {
        if (line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"1.024\"}")
                || line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"2.048\"}")
                || line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"4.096\"}")
                || line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"}")
                || line.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"}")) {
            int sp = line.lastIndexOf(' ');
            return line.substring(0, sp + 1) + (Long.parseLong(line.substring(sp + 1)) + 10);
        }
        if (line.startsWith("etcd_server_leader_changes_seen_total ")) {
            return "etcd_server_leader_changes_seen_total 3";
        }
        return line;
    }
}
