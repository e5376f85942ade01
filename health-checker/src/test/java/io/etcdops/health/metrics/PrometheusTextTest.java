package io.etcdops.health.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTextTest {

    @Test
    void readsLabelsValuesAndSpecialFloats() {
        List<PrometheusText.Sample> s = PrometheusText.parse("""
                # HELP x help text
                # TYPE x histogram
                x_bucket{To="a1",le="0.5"} 3
                x_bucket{le="+Inf",To="a1"} 4 1700000000000
                quota 2.147483648e+09
                odd{path="a\\"b\\\\c"} 1
                not a sample line
                nan NaN
                """);
        assertThat(s).extracting(PrometheusText.Sample::name).containsExactly("x_bucket", "x_bucket", "quota", "odd", "nan");
        assertThat(s.get(0).label("To")).isEqualTo("a1");
        assertThat(s.get(1).label("le")).isEqualTo("+Inf");
        assertThat(s.get(1).value()).isEqualTo(4);
        assertThat(s.get(2).value()).isEqualTo(2147483648.0);
        assertThat(s.get(3).label("path")).isEqualTo("a\"b\\c");
        assertThat(s.get(4).value()).isNaN();
    }

    @Test
    void histogramsAreGroupedByTheAskedLabel() {
        MetricsScrape scrape = MetricsScrape.parse(java.time.Instant.EPOCH, """
                rtt_bucket{To="a",le="0.1"} 1
                rtt_bucket{To="a",le="+Inf"} 2
                rtt_bucket{To="b",le="0.1"} 5
                rtt_bucket{To="b",le="+Inf"} 5
                """);
        assertThat(scrape.byLabel("rtt", "To")).containsOnlyKeys("a", "b");
        assertThat(scrape.histogram("rtt").count()).isEqualTo(7);
    }
}
