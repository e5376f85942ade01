package io.etcdops.health.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A cumulative Prometheus histogram (the {@code _bucket} series of one metric and label set). {@link #quantile}
 * interpolates inside the bucket exactly as PromQL's {@code histogram_quantile} does, so a p99 printed here is the
 * number a Grafana panel over the same counts would show.
 */
public record Histogram(List<Bucket> buckets) {

    /** Observations with value <= {@code le}, cumulative. */
    public record Bucket(double le, double count) {
    }

    public Histogram {
        List<Bucket> sorted = new ArrayList<>(buckets);
        sorted.sort(Comparator.comparingDouble(Bucket::le));
        buckets = List.copyOf(sorted);
    }

    /** Total observations (the +Inf bucket), 0 if there is none. */
    public double count() {
        return buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1).count();
    }

    /** Observations made between {@code earlier} and this one (a counter delta per bucket, as rate() sees it). */
    public Histogram minus(Histogram earlier) {
        List<Bucket> out = new ArrayList<>();
        for (Bucket b : buckets) {
            double before = earlier.buckets.stream().filter(e -> e.le() == b.le()).mapToDouble(Bucket::count).findFirst().orElse(0);
            // a counter that went down means the process restarted: the new counts are all since the restart
            out.add(new Bucket(b.le(), b.count() >= before ? b.count() - before : b.count()));
        }
        return new Histogram(out);
    }

    /** The q-quantile (0..1), NaN when there are no observations or the buckets are unusable. */
    public double quantile(double q) {
        if (buckets.size() < 2 || !Double.isInfinite(buckets.get(buckets.size() - 1).le())) {
            return Double.NaN;
        }
        // counts must be monotonic; scrapes are not atomic across buckets, so fix small inversions the way Prometheus does
        List<Bucket> b = new ArrayList<>();
        double max = 0;
        for (Bucket x : buckets) {
            max = Math.max(max, x.count());
            b.add(new Bucket(x.le(), max));
        }
        double observations = b.get(b.size() - 1).count();
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        int i = 0;
        while (i < b.size() - 1 && b.get(i).count() < rank) {
            i++;
        }
        if (i == b.size() - 1) {
            return b.get(b.size() - 2).le();
        }
        if (i == 0 && b.get(0).le() <= 0) {
            return b.get(0).le();
        }
        double start = 0;
        double end = b.get(i).le();
        double count = b.get(i).count();
        if (i > 0) {
            start = b.get(i - 1).le();
            count -= b.get(i - 1).count();
            rank -= b.get(i - 1).count();
        }
        return start + (end - start) * (rank / count);
    }
}
