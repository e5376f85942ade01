package io.etcdops.health;

import io.etcdops.core.etcd.Durations;
import io.etcdops.health.backup.BackupAge;

import java.time.Duration;

/** The finding for the age of the newest committed backup. */
final class BackupFindings {

    private BackupFindings() {
    }

    static Finding finding(BackupAge b, Duration maxAge) {
        if (b.error() != null) {
            return Finding.critical("backup", Finding.CLUSTER, "cannot read backups in " + b.store() + ": " + b.error(),
                    "Check the store URI and credentials; a cluster whose backups cannot be listed cannot be restored.");
        }
        if (b.newest() == null) {
            return Finding.critical("backup", Finding.CLUSTER, "no committed backup of cluster '" + b.cluster() + "' in " + b.store(),
                    "Run backup-job (check its CronJob and its last runs); snapshots without a manifest do not count.");
        }
        Duration age = Duration.ofSeconds(b.ageSeconds());
        String msg = "newest committed backup " + b.newest() + " is " + Durations.format(age) + " old (limit "
                + Durations.format(maxAge) + ", " + b.committedSnapshots() + " committed)";
        String advice = "Check backup-job's recent runs and logs; run it now.";
        if (age.compareTo(maxAge.multipliedBy(2)) > 0) {
            return Finding.critical("backup", Finding.CLUSTER, msg, advice);
        }
        if (age.compareTo(maxAge) > 0) {
            return Finding.warning("backup", Finding.CLUSTER, msg, advice);
        }
        return Finding.ok("backup", Finding.CLUSTER, msg);
    }
}
