package io.etcdops.backup;

import io.etcdops.core.runtime.JobException;

import java.time.Duration;

/**
 * Which committed snapshots to keep; everything not kept by any rule is deleted. All zero means "keep everything"
 * (retention off). Calendar rules keep the newest snapshot of each of the last N hours / days / ISO weeks / months
 * that have a snapshot (restic/borg semantics, in UTC). {@code keepLast} is never less than 1 when retention is on:
 * the newest verified snapshot is always kept.
 */
public record RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly, Duration keepWithin) {

    public RetentionPolicy {
        for (int n : new int[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly}) {
            if (n < 0) {
                throw JobException.usage("retention counts must be >= 0");
            }
        }
        if (keepWithin != null && keepWithin.isNegative()) {
            throw JobException.usage("--keep-within must be positive");
        }
    }

    public static RetentionPolicy none() {
        return new RetentionPolicy(0, 0, 0, 0, 0, null);
    }

    public boolean enabled() {
        return keepLast > 0 || keepHourly > 0 || keepDaily > 0 || keepWeekly > 0 || keepMonthly > 0
                || (keepWithin != null && !keepWithin.isZero());
    }

    /** The guaranteed floor: the newest N are never deleted. */
    public int protectedNewest() {
        return Math.max(1, keepLast);
    }
}
