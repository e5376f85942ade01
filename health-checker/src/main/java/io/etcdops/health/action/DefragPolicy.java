package io.etcdops.health.action;

import io.etcdops.health.Thresholds;

import java.time.Duration;

/**
 * When a member needs defragmenting and how long to wait for it.
 *
 * @param thresholds     fragmentation threshold (in-use / total below the ratio and the file above the minimum size)
 * @param baseTimeout    per-member deadline = base + perGib x db size in GiB (defrag rewrites the whole file:
 *                       ~11 s per GiB measured on etcd 3.5; default 30 s + 20 s/GiB)
 * @param perGib         see above
 * @param readyTimeout   how long a member may take after its defrag to serve again and catch up with the leader
 * @param pollInterval   how often to look while waiting for that
 */
public record DefragPolicy(Thresholds thresholds, Duration baseTimeout, Duration perGib, Duration readyTimeout, Duration pollInterval) {
    private static final double GIB = 1024.0 * 1024 * 1024;

    public static DefragPolicy defaults(Thresholds thresholds) {
        return new DefragPolicy(thresholds, Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofMillis(250));
    }

    public Duration deadline(long dbSize) {
        return baseTimeout.plusMillis((long) Math.ceil(perGib.toMillis() * (dbSize / GIB)));
    }
}
