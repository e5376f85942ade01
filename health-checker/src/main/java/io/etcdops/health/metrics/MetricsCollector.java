package io.etcdops.health.metrics;

import io.etcdops.core.etcd.EtcdErrors;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Scrapes every member's metrics twice, {@code window} apart (in parallel), and extracts the etcd-mixin signals
 * from the difference; with a zero window, once. A member whose metrics cannot be fetched gets an "unavailable"
 * entry with the reason, never an exception.
 */
public final class MetricsCollector {

    /** Fetches one URL's text; {@link MetricsScraper#fetch} in production, recorded text in tests. */
    @FunctionalInterface
    public interface Fetcher {
        String fetch(URI url) throws Exception;
    }

    private final Fetcher fetcher;
    private final Duration window;

    public MetricsCollector(Fetcher fetcher, Duration window) {
        this.fetcher = fetcher;
        this.window = window;
    }

    public Map<Long, MemberSignals> collect(Map<Long, URI> targets) {
        Map<Long, CompletableFuture<Object>> first = scrapeAll(targets);
        Map<Long, Object> firstResults = new LinkedHashMap<>();
        first.forEach((id, f) -> firstResults.put(id, f.join()));
        Map<Long, Object> secondResults = new LinkedHashMap<>();
        if (!window.isZero() && firstResults.values().stream().anyMatch(r -> r instanceof MetricsScrape)) {
            sleep(window);
            Map<Long, URI> stillUp = new LinkedHashMap<>();
            targets.forEach((id, url) -> {
                if (firstResults.get(id) instanceof MetricsScrape) {
                    stillUp.put(id, url);
                }
            });
            scrapeAll(stillUp).forEach((id, f) -> secondResults.put(id, f.join()));
        }
        Map<Long, MemberSignals> out = new LinkedHashMap<>();
        targets.forEach((id, url) -> {
            Object a = firstResults.get(id);
            Object b = secondResults.get(id);
            if (a instanceof String err) {
                out.put(id, MemberSignals.unavailable(url.toString(), err));
            } else if (b instanceof MetricsScrape later) {
                out.put(id, SignalExtractor.extract(url.toString(), (MetricsScrape) a, later));
            } else {
                // single scrape (window 0), or the second scrape failed: use what we have, cumulative since start
                out.put(id, SignalExtractor.extract(url.toString(), null, (MetricsScrape) a));
            }
        });
        return out;
    }

    private Map<Long, CompletableFuture<Object>> scrapeAll(Map<Long, URI> targets) {
        Map<Long, CompletableFuture<Object>> futures = new LinkedHashMap<>();
        targets.forEach((id, url) -> futures.put(id, CompletableFuture.supplyAsync(() -> scrape(url))));
        return futures;
    }

    private Object scrape(URI url) {
        try {
            return MetricsScrape.parse(Instant.now(), fetcher.fetch(url));
        } catch (Exception e) {
            return EtcdErrors.describe(e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
