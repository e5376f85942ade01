package io.etcdops.upgrade;

import io.etcdops.core.runtime.JobException;

import java.util.Optional;

/**
 * Which version changes the upgrader performs, from etcd's upgrade policy: a patch change within a minor (up or down),
 * or exactly one minor up (3.4 -> 3.5 -> 3.6); never skipping a minor. A cross-minor step down is only the rollback of
 * an upgrade whose cluster version has not flipped yet (some member still runs the old minor): etcd then still runs
 * the old protocol and the old binary can simply replace the new one. Every other downgrade needs etcd's downgrade
 * API ({@code etcdctl downgrade enable}, 3.6+), which jetcd does not expose and which cannot be tested here (no etcd
 * 3.6 binaries), so it is refused.
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
        MINOR_ROLLBACK
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

    private UpgradePath() {
    }

    /**
     * The kind of change from {@code from} (what the members not yet at the target run) to {@code to}, or a refusal
     * (exit 3) saying why.
     *
     * @param clusterMinor the cluster version etcd negotiated (e.g. 3.5), if known
     * @param mixed        some members already run {@code to} (a resumed or rolled-back run)
     */
    public static Kind classify(EtcdVersion from, EtcdVersion to, Optional<EtcdVersion> clusterMinor, boolean mixed) {
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
            if (to.major() == 3 && to.minor() == 6 && from.before(MIN_35_FOR_36)) {
                throw JobException.refused("etcd " + from + " -> " + to + ": etcd's 3.5 -> 3.6 upgrade guide requires every "
                        + "member on " + MIN_35_FOR_36 + " or later first (earlier 3.5 patches have upgrade blockers); "
                        + "upgrade to the latest 3.5 patch, then to " + to);
            }
            return Kind.MINOR_UPGRADE;
        }
        if (to.minor() > from.minor()) {
            throw JobException.refused("etcd " + from + " -> " + to + " skips a minor version; etcd upgrades one minor at a "
                    + "time: upgrade to the latest " + from.major() + "." + (from.minor() + 1) + " patch first");
        }
        if (to.minor() == from.minor() - 1 && mixed && clusterMinor.map(c -> c.sameMinor(to)).orElse(false)) {
            return Kind.MINOR_ROLLBACK;
        }
        throw JobException.refused("etcd " + from + " -> " + to + " is a downgrade across minor versions"
                + clusterMinor.map(c -> " and the cluster version is already " + c.minorString()).orElse("")
                + ": that needs etcd's downgrade API (etcdctl downgrade validate/enable " + to.minorString()
                + ", etcd 3.6+), which etcd-ops does not drive; follow etcd's downgrade guide, or restore the snapshot "
                + "taken before the upgrade");
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
