package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.snapshot.SnapshotContents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses (exit 3) a snapshot whose storage version (its db's {@code meta/storageVersion}, written by etcd 3.6+) is
 * newer than the etcd that would run on it, before anything is changed. What etcd really does, tried with 3.5.36,
 * 3.6.16 and 3.7.3:
 * <ul>
 *   <li>etcd 3.6 does not start on a 3.7 snapshot, whichever etcdutl restored it ({@code Failed to validate schema:
 *       version "3.7.0" is not supported}).</li>
 *   <li>{@code etcdutl migrate --target-version 3.6} (3.6's etcdutl refuses the 3.7 schema; 3.7's rewrites it to
 *       3.6.0) does not make it start either: the snapshot's cluster version 3.7 then stops etcd 3.6 with
 *       {@code invalid downgrade; server version is lower than determined cluster version}. So no migration here.</li>
 *   <li>What works is etcd's downgrade: restore on 3.7, {@code etcdctl downgrade enable 3.6} (the storage version
 *       drops to 3.6.0 within seconds), and a snapshot taken then restores into 3.6.</li>
 *   <li>etcd 3.5 (and 3.4) ignore storage versions: they start on a 3.6 snapshot (3.5 on a 3.7 one too) and serve
 *       the data. A 3.6 one is fine (3.6 later accepts its own schema); on a 3.7 one the cluster could never be
 *       upgraded to 3.6 (3.6 refuses the 3.7 schema). So a target below 3.6 takes storage versions up to 3.6.</li>
 * </ul>
 * Hence: refused when the snapshot's storage minor is above both the target's minor and 3.6.
 */
final class StorageVersionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(StorageVersionGuard.class);
    /** The highest storage version a target below 3.6 accepts for good (see the class comment). */
    private static final int[] HIGHEST_FOR_3_5 = {3, 6};

    private StorageVersionGuard() {
    }

    /**
     * @param targetVersion the etcd version that will run on the restored data: the restore tool's (VM) or the
     *                      StatefulSet image's (Kubernetes)
     * @param howToTarget   how the operator points the restore at another etcd version, for the message
     */
    static void require(String snapshotName, SnapshotContents contents, String targetVersion, String howToTarget) {
        int[] storage = minor(contents.storageVersion());
        int[] target = minor(targetVersion);
        if (storage == null) {
            return; // no storage version: etcd 3.4/3.5 wrote it, and every later etcd migrates it up
        }
        if (target == null) {
            LOG.warn("cannot tell the target's etcd version from '{}': snapshot {} has storage version {}; etcd refuses "
                    + "to start on a newer storage version than its own", targetVersion, snapshotName, contents.storageVersion());
            return;
        }
        int[] allowed = compare(target, HIGHEST_FOR_3_5) < 0 ? HIGHEST_FOR_3_5 : target;
        if (compare(storage, allowed) <= 0) {
            if (compare(storage, target) > 0) {
                LOG.warn("snapshot {} has storage version {}, newer than etcd {}: etcd {}.{} ignores storage versions and "
                        + "serves it; the cluster can later be upgraded to {}.{} as usual", snapshotName,
                        contents.storageVersion(), targetVersion, target[0], target[1], storage[0], storage[1]);
            }
            return;
        }
        String snap = storage[0] + "." + storage[1];
        String tgt = target[0] + "." + target[1];
        String why = compare(target, HIGHEST_FOR_3_5) < 0
                ? "etcd " + tgt + " would start on it, but the cluster could then never be upgraded to 3.6 (etcd 3.6 refuses "
                        + "storage version " + contents.storageVersion() + ")"
                : "etcd " + tgt + " refuses to start on it (version \"" + contents.storageVersion() + "\" is not supported), "
                        + "and etcdutl migrate --target-version " + tgt + " does not help (the snapshot's cluster version "
                        + (contents.clusterVersion().isEmpty() ? snap : contents.clusterVersion()) + " then stops etcd " + tgt + ")";
        throw JobException.refused("snapshot " + snapshotName + " has storage version " + contents.storageVersion()
                + " (taken on etcd " + snap + ") but the target runs etcd " + targetVersion + ": " + why + ". Restore it with "
                + "etcd " + snap + " (" + howToTarget + "), then downgrade with `etcdctl downgrade enable " + tgt + "` and "
                + "wait until `etcdctl endpoint status -w table` shows STORAGE VERSION " + tgt + ".0 before replacing the "
                + "binaries; or restore a snapshot taken on etcd " + tgt + " (`restore-job list` shows the etcd version of each, "
                + "`--format json` its storageVersion)");
    }

    /** {major, minor} of "3.6.0", "3.6.16", "v3.7.3", "3.6"; null if it is not a version. */
    static int[] minor(String version) {
        if (version == null) {
            return null;
        }
        String v = version.trim().startsWith("v") ? version.trim().substring(1) : version.trim();
        String[] p = v.split("[.-]");
        if (p.length < 2) {
            return null;
        }
        try {
            return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int compare(int[] a, int[] b) {
        return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    }
}
