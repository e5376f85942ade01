package io.etcdops.health;

import io.etcdops.core.etcd.Durations;
import io.etcdops.core.runtime.JobException;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The check thresholds as flags (a picocli mixin). Defaults are the etcd-mixin alert values where it has one. */
public class ThresholdOptions {

    @Option(names = "--fragmentation-ratio", paramLabel = "RATIO", defaultValue = "${env:ETCD_OPS_FRAGMENTATION_RATIO:-0.5}",
            description = "A db with in-use/total below this is fragmented (etcd-mixin: 0.5) (env ETCD_OPS_FRAGMENTATION_RATIO; default ${DEFAULT-VALUE}).")
    double fragmentationRatio;

    @Option(names = "--fragmentation-min-size", paramLabel = "SIZE", defaultValue = "${env:ETCD_OPS_FRAGMENTATION_MIN_SIZE:-100MiB}",
            description = "... and its file is larger than this (env ETCD_OPS_FRAGMENTATION_MIN_SIZE; default ${DEFAULT-VALUE}).")
    String fragmentationMinSize;

    @Option(names = "--quota-warn-ratio", paramLabel = "RATIO", defaultValue = "${env:ETCD_OPS_QUOTA_WARN_RATIO:-0.8}",
            description = "db size / quota at or above this is a warning (env ETCD_OPS_QUOTA_WARN_RATIO; default ${DEFAULT-VALUE}).")
    double quotaWarnRatio;

    @Option(names = "--quota-critical-ratio", paramLabel = "RATIO", defaultValue = "${env:ETCD_OPS_QUOTA_CRITICAL_RATIO:-0.95}",
            description = "... critical (etcd-mixin: 0.95) (env ETCD_OPS_QUOTA_CRITICAL_RATIO; default ${DEFAULT-VALUE}).")
    double quotaCriticalRatio;

    @Option(names = "--max-raft-lag", paramLabel = "ENTRIES", defaultValue = "${env:ETCD_OPS_MAX_RAFT_LAG:-1000}",
            description = "Raft entries a member may trail the leader (or apply behind its commit) before a warning "
                    + "(env ETCD_OPS_MAX_RAFT_LAG; default ${DEFAULT-VALUE}).")
    long maxRaftLag;

    @Option(names = "--wal-fsync-warn", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_WAL_FSYNC_WARN:-500ms}",
            description = "WAL fsync p99 warning (etcd-mixin: 0.5s) (env ETCD_OPS_WAL_FSYNC_WARN; default ${DEFAULT-VALUE}).")
    String walFsyncWarn;

    @Option(names = "--wal-fsync-critical", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_WAL_FSYNC_CRITICAL:-1s}",
            description = "WAL fsync p99 critical (etcd-mixin: 1s) (env ETCD_OPS_WAL_FSYNC_CRITICAL; default ${DEFAULT-VALUE}).")
    String walFsyncCritical;

    @Option(names = "--backend-commit-warn", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_BACKEND_COMMIT_WARN:-250ms}",
            description = "Backend commit p99 warning (etcd-mixin: 0.25s) (env ETCD_OPS_BACKEND_COMMIT_WARN; default ${DEFAULT-VALUE}).")
    String backendCommitWarn;

    @Option(names = "--peer-rtt-warn", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_PEER_RTT_WARN:-150ms}",
            description = "Peer round-trip p99 warning (etcd-mixin: 0.15s) (env ETCD_OPS_PEER_RTT_WARN; default ${DEFAULT-VALUE}).")
    String peerRttWarn;

    @Option(names = "--leader-changes-warn", paramLabel = "N", defaultValue = "${env:ETCD_OPS_LEADER_CHANGES_WARN:-4}",
            description = "Leader changes within 15 minutes (or within --metrics-window) that make a warning "
                    + "(etcd-mixin: 4) (env ETCD_OPS_LEADER_CHANGES_WARN; default ${DEFAULT-VALUE}).")
    int leaderChangesWarn;

    public Thresholds toThresholds(Duration backupMaxAge) {
        ratio(fragmentationRatio, "--fragmentation-ratio");
        ratio(quotaWarnRatio, "--quota-warn-ratio");
        ratio(quotaCriticalRatio, "--quota-critical-ratio");
        if (quotaWarnRatio > quotaCriticalRatio) {
            throw JobException.usage("--quota-warn-ratio must not exceed --quota-critical-ratio");
        }
        if (maxRaftLag < 0 || leaderChangesWarn < 1) {
            throw JobException.usage("--max-raft-lag must be >= 0 and --leader-changes-warn >= 1");
        }
        return new Thresholds(fragmentationRatio, ByteSizes.parse(fragmentationMinSize, "--fragmentation-min-size"),
                quotaWarnRatio, quotaCriticalRatio, maxRaftLag,
                seconds(walFsyncWarn, "--wal-fsync-warn"), seconds(walFsyncCritical, "--wal-fsync-critical"),
                seconds(backendCommitWarn, "--backend-commit-warn"), seconds(peerRttWarn, "--peer-rtt-warn"),
                leaderChangesWarn, backupMaxAge);
    }

    private static void ratio(double v, String option) {
        if (!(v > 0 && v <= 1)) {
            throw JobException.usage(option + " must be between 0 (exclusive) and 1, not " + v);
        }
    }

    private static double seconds(String d, String option) {
        return Durations.parse(d, option).toMillis() / 1000.0;
    }
}
