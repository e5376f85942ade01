package io.etcdops.health;

import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.health.action.DefragPolicy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One run's resolved configuration, built from flags and environment by {@link HealthChecker}.
 *
 * @param store          a file:// store, or null without --store (then the backup age is not checked)
 * @param quotaBytes     --quota-backend-bytes, or null: then from /metrics, else etcd's default 2 GiB
 * @param metricsUrls    explicit --metrics-urls entries, empty for client URL + /metrics
 */
public record HealthSettings(
        EtcdConnectionConfig connection,
        String format,
        Severity failOn,
        Thresholds thresholds,
        Long quotaBytes,
        boolean metrics,
        List<String> metricsUrls,
        Duration metricsWindow,
        boolean hashKv,
        StoreLocation store,
        String clusterName,
        boolean defrag,
        boolean recoverNospace,
        boolean dryRun,
        DefragPolicy defragPolicy,
        String pushgatewayUrl,
        Path outputDir) {

    public boolean json() {
        return "json".equals(format);
    }

    public boolean anyAction() {
        return defrag || recoverNospace;
    }

    /** The same settings with another connection (a StatefulSet target's per-pod client URLs). */
    public HealthSettings withConnection(EtcdConnectionConfig other) {
        return new HealthSettings(other, format, failOn, thresholds, quotaBytes, metrics, metricsUrls, metricsWindow, hashKv, store,
                clusterName, defrag, recoverNospace, dryRun, defragPolicy, pushgatewayUrl, outputDir);
    }
}
