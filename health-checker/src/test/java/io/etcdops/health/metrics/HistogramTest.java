package io.etcdops.health.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** histogram_quantile semantics, checked against values worked out by hand the way PromQL computes them. */
class HistogramTest {

    private static Histogram h(double... leAndCount) {
        List<Histogram.Bucket> b = new java.util.ArrayList<>();
        for (int i = 0; i < leAndCount.length; i += 2) {
            b.add(new Histogram.Bucket(leAndCount[i], leAndCount[i + 1]));
        }
        return new Histogram(b);
    }

    @Test
    void interpolatesInsideTheBucketThatHoldsTheRank() {
        // 100 observations: 90 <= 0.1, 100 <= 0.2 -> p99 rank 99 lies 9/10 into (0.1, 0.2]
        assertThat(h(0.1, 90, 0.2, 100, Double.POSITIVE_INFINITY, 100).quantile(0.99)).isCloseTo(0.19, within(1e-9));
    }

    @Test
    void firstBucketStartsAtZero() {
        assertThat(h(0.5, 10, Double.POSITIVE_INFINITY, 10).quantile(0.5)).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void rankInTheInfBucketReturnsTheHighestFiniteBound() {
        assertThat(h(1, 1, 2, 1, Double.POSITIVE_INFINITY, 100).quantile(0.99)).isEqualTo(2.0);
    }

    @Test
    void noObservationsOrNoInfBucketGivesNaN() {
        assertThat(h(1, 0, Double.POSITIVE_INFINITY, 0).quantile(0.99)).isNaN();
        assertThat(h(1, 5, 2, 10).quantile(0.99)).isNaN();
        assertThat(new Histogram(List.of()).quantile(0.99)).isNaN();
    }

    @Test
    void differenceOfTwoScrapesIsWhatHappenedInBetween() {
        Histogram before = h(0.1, 1000, 1, 1000, Double.POSITIVE_INFINITY, 1000);
        Histogram after = h(0.1, 1000, 1, 1010, Double.POSITIVE_INFINITY, 1010);
        // since start the p99 is fast; in the window every observation was slow
        assertThat(after.quantile(0.99)).isLessThan(0.2);
        assertThat(after.minus(before).count()).isEqualTo(10);
        assertThat(after.minus(before).quantile(0.99)).isGreaterThan(0.9);
    }

    @Test
    void aCounterResetCountsFromTheRestart() {
        Histogram before = h(0.1, 500, Double.POSITIVE_INFINITY, 500);
        Histogram afterRestart = h(0.1, 3, Double.POSITIVE_INFINITY, 4);
        assertThat(afterRestart.minus(before).count()).isEqualTo(4);
    }

    @Test
    void nonMonotonicBucketsAreRepairedLikePrometheus() {
        assertThat(h(0.1, 10, 0.2, 9, Double.POSITIVE_INFINITY, 10).quantile(0.5)).isCloseTo(0.05, within(1e-9));
    }
}
