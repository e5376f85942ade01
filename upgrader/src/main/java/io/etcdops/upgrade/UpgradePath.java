package io.etcdops.upgrade;

import io.etcdops.core.runtime.JobException;

import java.util.Optional;

/**
 * Which version changes the upgrader performs, from etcd's upgrade policy: a patch change within a minor (up or down),
 * or exactly one minor up (3.5 -> 3.6 -> 3.7); never skipping a minor. A cross-minor step down is either the rollback of
 * an upgrade whose cluster version has not flipped yet (some member still runs the old minor: etcd still runs the old
 * protocol and the old binary can simply replace the new one), or, from 3.6 on, etcd's downgrade protocol (validate,
 * enable, every member's storage version at the target, then the binaries, leader last: {@link DowngradeProtocol}).
 * Swapping binaries one minor down without that protocol leaves a data dir the older etcd refuses (3.6.16 on a 3.7
 * member's data: "version 3.7.0 is not supported"), so the tool never does it.
 */
public final class UpgradePath {

    /** What one run does to the members that are not at the target yet. */
    public enum Kind {
        /** Every member already runs the target. */
        NOTHING,
        PATCH_UPGRADE,
        PATCH_DOWNGRADE,
        MINOR_UPGRADE,
        /** Back to the old minor before the cluster version flipped (rolling back an unfinished minor upgrade). */
        MINOR_ROLLBACK,
        /** One minor down with etcd's downgrade protocol (3.7 -> 3.6, 3.6 -> 3.5). */
        MINOR_DOWNGRADE
    }

    /**
     * 3.5.0, 3.5.1 and 3.5.2 can corrupt data under load (etcd's CHANGELOG and its production recommendation: "avoid
     * v3.5.0-v3.5.2"; fixed in 3.5.3). Refused as targets, up or down.
     */
    static final EtcdVersion FIRST_BAD = new EtcdVersion(3, 5, 0);
    static final EtcdVersion LAST_BAD = new EtcdVersion(3, 5, 2);

    /**
     * The lowest 3.5 patch a 3.5 -> 3.6 upgrade may start from. etcd's guide raised this floor several times as it found
     * upgrade blockers: 3.5.20 (March 2025, voting members reverting to learners, "too many learner member", etcd issue
     * 19557), 3.5.24 (October 2025, follow-up), 3.5.26 (December 2025, "zombie members"; etcd says there is no safe
     * workaround below it), and the current "Upgrade etcd from v3.5 to v3.6" page (etcd.io/docs/v3.7/upgrades/upgrade_3_6/,
     * read 2026) requires all members on 3.5.32 or later (it adds {@code --v2-deprecation=write-only-skip-check} and makes
     * {@code etcdutl check v2store} read the WAL too). Raise it here when the guide does.
     */
    static final EtcdVersion MIN_35_FOR_36 = new EtcdVersion(3, 5, 32);

    /**
     * The lowest 3.6 patch a 3.6 -> 3.7 upgrade may start from: etcd's "Upgrade etcd from v3.6 to v3.7" guide
     * (etcd.io/docs/v3.7/upgrades/upgrade_3_7/, read 2026-12): "make sure that all of your 3.6 members are updated to
     * 3.6.11 or later. Earlier 3.6 patch releases may not be compatible with a rolling upgrade to 3.7".
     */
    static final EtcdVersion MIN_36_FOR_37 = new EtcdVersion(3, 6, 11);

    private UpgradePath() {
    }

    /**
     * The kind of change from {@code from} (what the members not yet at the target run) to {@code to}, or a refusal
     * (exit 3) saying why.
     *
     * @param clusterMinor the cluster version etcd negotiated (e.g. 3.5), if known
     * @param mixed        some members already run {@code to} (a resumed or rolled-back run)
     * @param downgrading  etcd reports a downgrade job enabled (a resumed protocol downgrade)
     */
    public static Kind classify(EtcdVersion from, EtcdVersion to, Optional<EtcdVersion> clusterMinor, boolean mixed,
                                boolean downgrading) {
        if (from.equals(to)) {
            return Kind.NOTHING;
        }
        if (!to.before(FIRST_BAD) && !LAST_BAD.before(to)) {
            throw JobException.refused("etcd " + to + " is a known-bad release (3.5.0-3.5.2 can corrupt data under load); "
                    + "choose 3.5.3 or later");
        }
        if (from.major() != to.major()) {
            throw JobException.refused("etcd " + from + " -> " + to + " changes the major version; etcd-ops only upgrades "
                    + "within etcd 3 one minor at a time");
        }
        if (from.minor() == to.minor()) {
            return from.before(to) ? Kind.PATCH_UPGRADE : Kind.PATCH_DOWNGRADE;
        }
        if (to.minor() == from.minor() + 1) {
            EtcdVersion floor = floorBelow(to);
            if (floor != null && from.before(floor)) {
                throw JobException.refused("etcd " + from + " -> " + to + ": etcd's " + from.minorString() + " -> "
                        + to.minorString() + " upgrade guide requires every member on " + floor + " or later first (earlier "
                        + from.minorString() + " patches have upgrade blockers); upgrade to the latest " + from.minorString()
                        + " patch, then to " + to);
            }
            return Kind.MINOR_UPGRADE;
        }
        if (to.minor() > from.minor()) {
            throw JobException.refused("etcd " + from + " -> " + to + " skips a minor version; etcd upgrades one minor at a "
                    + "time: upgrade to the latest " + from.major() + "." + (from.minor() + 1) + " patch first");
        }
        if (to.minor() == from.minor() - 1 && mixed && clusterMinor.map(c -> c.sameMinor(to)).orElse(false) && !downgrading) {
            return Kind.MINOR_ROLLBACK;
        }
        if (to.minor() == from.minor() - 1 && from.major() == 3 && from.minor() >= 6) {
            EtcdVersion floor = floorBelow(from);
            if (floor != null && to.before(floor)) {
                throw JobException.refused("etcd " + from + " -> " + to + ": a downgrade goes to " + floor + " or later (the "
                        + "lowest " + to.minorString() + " patch etcd's guide lets run beside " + from.minorString()
                        + " members); choose the latest " + to.minorString() + " patch");
            }
            return Kind.MINOR_DOWNGRADE;
        }
        throw JobException.refused("etcd " + from + " -> " + to + " is a downgrade across "
                + (to.minor() < from.minor() - 1 ? "more than one minor version (etcd downgrades one minor at a time)"
                : "minor versions" + clusterMinor.map(c -> " and the cluster version is already " + c.minorString()).orElse("")
                + ": etcd runs its downgrade protocol from 3.6 servers on, so " + from.minorString() + " -> " + to.minorString()
                + " cannot be done in place")
                + "; restore the snapshot taken before the upgrade (restore-job) instead");
    }

    /** The lowest patch of the minor below {@code upper} that may run beside {@code upper}'s minor, if etcd names one. */
    static EtcdVersion floorBelow(EtcdVersion upper) {
        if (upper.major() == 3 && upper.minor() == 6) {
            return MIN_35_FOR_36;
        }
        if (upper.major() == 3 && upper.minor() == 7) {
            return MIN_36_FOR_37;
        }
        return null;
    }

    /** etcd does not support a rolling 3.4 -> 3.5 upgrade with auth on: 3.5 changed the format of auth WAL entries. */
    public static void checkAuth(Kind kind, EtcdVersion from, EtcdVersion to, boolean authEnabled) {
        if (kind == Kind.MINOR_UPGRADE && authEnabled && from.major() == 3 && from.minor() <= 4 && to.minor() == 5) {
            throw JobException.refused("authentication is enabled, and etcd does not support a rolling upgrade from "
                    + from.minorString() + " to 3.5 with auth on (3.5 changed the format of auth entries in the WAL; etcd's "
                    + "3.5 upgrade guide). Move to 3.5 by restoring a snapshot into a new 3.5 cluster (restore-job) instead");
        }
    }
}
