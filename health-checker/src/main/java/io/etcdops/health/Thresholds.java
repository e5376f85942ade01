package io.etcdops.health;

import java.time.Duration;

/**
 * Where each check turns from ok to warning or critical. Defaults: the etcd-mixin alert thresholds
 * (etcd-io/etcd contrib/mixin/alerts) where the mixin has one, otherwise ours, marked as such in
 * docs/health-checker.md.
 *
 * @param fragmentationRatio    in-use / total below this is fragmented (mixin: 0.5)
 * @param fragmentationMinBytes ... but only when the db file is larger than this (100 MiB; the mixin applies it to
 *                              the in-use size, the issue to the file size; we use the file size)
 * @param quotaWarnRatio        db size / quota at or above this is a warning (ours: 0.80)
 * @param quotaCriticalRatio    ... critical (mixin etcdDatabaseQuotaLowSpace: 0.95)
 * @param maxRaftLag            raft entries a member may trail the leader, or apply behind its commit, before a
 *                              warning (ours: 1000)
 * @param walFsyncWarnSeconds   WAL fsync p99 (mixin etcdHighFsyncDurations: 0.5 warning, 1 critical)
 * @param walFsyncCriticalSeconds see above
 * @param backendCommitWarnSeconds backend commit p99 (mixin etcdHighCommitDurations: 0.25)
 * @param peerRttWarnSeconds    peer round-trip p99 (mixin etcdMemberCommunicationSlow: 0.15)
 * @param leaderChangesWarn     leader changes within 15 minutes (mixin etcdHighNumberOfLeaderChanges: 4)
 * @param backupMaxAge          newest committed backup older than this is a warning, twice as old critical (ours: 25h)
 */
public record Thresholds(
        double fragmentationRatio,
        long fragmentationMinBytes,
        double quotaWarnRatio,
        double quotaCriticalRatio,
        long maxRaftLag,
        double walFsyncWarnSeconds,
        double walFsyncCriticalSeconds,
        double backendCommitWarnSeconds,
        double peerRttWarnSeconds,
        int leaderChangesWarn,
        Duration backupMaxAge) {

    public static final long MIB = 1024L * 1024;

    public static Thresholds defaults() {
        return new Thresholds(0.5, 100 * MIB, 0.80, 0.95, 1000, 0.5, 1.0, 0.25, 0.15, 4, Duration.ofHours(25));
    }

    /** True when a member's db is fragmented enough to defragment. */
    public boolean fragmented(long dbSize, long dbSizeInUse) {
        return dbSize > fragmentationMinBytes && dbSize > 0 && (double) dbSizeInUse / dbSize < fragmentationRatio;
    }
}
