package io.etcdops.health.metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** One scrape of a member's {@code /metrics}: its samples and when it was taken. */
public record MetricsScrape(Instant at, List<PrometheusText.Sample> samples) {

    public static MetricsScrape parse(Instant at, String text) {
        return new MetricsScrape(at, PrometheusText.parse(text));
    }

    /** The value of an unlabelled (or first) sample of {@code name}. */
    public OptionalDouble value(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(PrometheusText.Sample::value).findFirst();
    }

    /** The histogram {@code name} (series {@code name_bucket}), all label sets summed. */
    public Histogram histogram(String name) {
        return byLabel(name, null).getOrDefault("", new Histogram(List.of()));
    }

    /**
     * The histogram {@code name} per value of {@code label} (e.g. peer RTT per "To" peer); with {@code label == null}
     * one histogram under the key "".
     */
    public Map<String, Histogram> byLabel(String name, String label) {
        String bucket = name + "_bucket";
        Map<String, Map<Double, Double>> sums = new LinkedHashMap<>();
        for (PrometheusText.Sample s : samples) {
            if (!s.name().equals(bucket) || s.label("le") == null) {
                continue;
            }
            Double le = PrometheusText.parseValue(s.label("le"));
            if (le == null) {
                continue;
            }
            String key = label == null ? "" : String.valueOf(s.label(label));
            sums.computeIfAbsent(key, k -> new LinkedHashMap<>()).merge(le, s.value(), Double::sum);
        }
        Map<String, Histogram> out = new LinkedHashMap<>();
        sums.forEach((k, m) -> {
            List<Histogram.Bucket> buckets = new ArrayList<>();
            m.forEach((le, c) -> buckets.add(new Histogram.Bucket(le, c)));
            out.put(k, new Histogram(buckets));
        });
        return out;
    }
}
