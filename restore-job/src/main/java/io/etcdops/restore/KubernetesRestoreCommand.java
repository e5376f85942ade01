package io.etcdops.restore;

import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.kube.StatefulSetTargetOptions;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.ToolVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** `kubernetes`: restore every member of an etcd StatefulSet from a snapshot, under the cluster Lease, resumable. */
@Command(name = "kubernetes", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore an etcd StatefulSet: refuse a healthy cluster unless --force; record the replica count; scale "
                + "to 0; run one restore pod per member volume (this image fetches and verifies, the StatefulSet's own "
                + "etcd image restores, old data is moved aside on the same volume); scale back; verify revision, keys and "
                + "membership. Progress is recorded on the StatefulSet, so a retried or killed job resumes.",
                "Kubernetes-safe: new cluster token, --bump-revision 1000000000 --mark-compacted. Restart the kube-apiservers afterwards."},
        footer = {"%nExit codes:", "  0  restored and verified", "  1  failed (a restore pod failed: the StatefulSet stays at 0, rerun to resume)",
                "  2  usage error", "  3  refused (cluster healthy without --force, Lease held, no room on a volume)",
                "  4  verification failed (corrupt snapshot, wrong key, restored data differs)"})
public final class KubernetesRestoreCommand extends JobCommand {

    @Mixin
    SnapshotSourceOptions source;

    @Mixin
    StatefulSetTargetOptions target;

    @Mixin
    EtcdConnectionOptions etcd;

    @Option(names = "--force", defaultValue = "${env:ETCD_OPS_FORCE:-false}",
            description = "Restore even though the cluster is healthy (it is rewound to the snapshot) (env ETCD_OPS_FORCE).")
    boolean force;

    @Option(names = "--discard-old-data", defaultValue = "${env:ETCD_OPS_DISCARD_OLD_DATA:-false}",
            description = "When a volume has no room for the restored copy next to the old data, delete the old data. Destructive (env ETCD_OPS_DISCARD_OLD_DATA).")
    boolean discardOldData;

    @Option(names = "--bump-revision", paramLabel = "N", defaultValue = "${env:ETCD_OPS_BUMP_REVISION:-1000000000}",
            description = "Revision bump with --mark-compacted; 0 turns it off (env ETCD_OPS_BUMP_REVISION; default ${DEFAULT-VALUE}).")
    long bumpRevision;

    @Option(names = "--restore-image", paramLabel = "IMAGE", defaultValue = "${env:ETCD_OPS_RESTORE_IMAGE}",
            description = "This restore-job image, run by the restore pods (env ETCD_OPS_RESTORE_IMAGE; default: the image of this pod).")
    String restoreImage;

    @Option(names = "--restore-service-account", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_RESTORE_SERVICE_ACCOUNT:-default}",
            description = "ServiceAccount of the restore pods (cloud credentials via IRSA / Workload Identity) (env ETCD_OPS_RESTORE_SERVICE_ACCOUNT; default ${DEFAULT-VALUE}).")
    String restoreServiceAccount;

    @Option(names = "--run-id", paramLabel = "ID", defaultValue = "${env:ETCD_OPS_RUN_ID}",
            description = "Names this restore across retries (env ETCD_OPS_RUN_ID; default: generated from this pod).")
    String runId;

    @Option(names = "--stamp", paramLabel = "STAMP", defaultValue = "${env:ETCD_OPS_RESTORE_STAMP}",
            description = "Suffix of the .etcd-ops-restoring-/.etcd-ops-bak- dirs on the volumes (env ETCD_OPS_RESTORE_STAMP; default: the start time, UTC).")
    String stamp;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_TIMEOUT:-30m}",
            description = "Give up waiting on pods and health after this long (env ETCD_OPS_TIMEOUT; default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_LEASE_DURATION:-60s}",
            description = "The cluster lock Lease's duration: how long a killed run blocks the rerun that resumes it "
                    + "(env ETCD_OPS_LEASE_DURATION; default ${DEFAULT-VALUE}).")
    String leaseDuration;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Where this job verifies the snapshot before anything is scaled down (env ETCD_OPS_SPOOL_DIR; default the system temp dir).")
    Path workDir;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "Verify the snapshot and print every step (pods included); change nothing (env ETCD_OPS_DRY_RUN).")
    boolean dryRun;

    public KubernetesRestoreCommand() {
        super("restore-job kubernetes");
    }

    @Override
    protected void run(JobReport report) throws Exception {
        if (target.statefulSet == null || target.statefulSet.isBlank()) {
            throw JobException.usage("--statefulset is required (env ETCD_OPS_STATEFULSET)");
        }
        if (bumpRevision < 0) {
            throw JobException.usage("--bump-revision must be >= 0");
        }
        new KubernetesRestore(this, report).run();
    }

    SnapshotSourceOptions source() {
        return source;
    }

    StatefulSetTargetOptions target() {
        return target;
    }

    EtcdConnectionOptions etcd() {
        return etcd;
    }

    boolean force() {
        return force;
    }

    boolean discardOldData() {
        return discardOldData;
    }

    long bumpRevision() {
        return bumpRevision;
    }

    String restoreImage() {
        return restoreImage == null || restoreImage.isBlank() ? null : restoreImage;
    }

    String restoreServiceAccount() {
        return restoreServiceAccount;
    }

    String runId() {
        return runId == null || runId.isBlank() ? null : runId;
    }

    java.time.Duration timeout() {
        return Durations.parse(timeout, "--timeout");
    }

    java.time.Duration leaseDuration() {
        java.time.Duration d = Durations.parse(leaseDuration, "--lease-duration");
        if (d.getSeconds() < 1) {
            throw JobException.usage("--lease-duration must be at least 1s, not '" + leaseDuration + "'");
        }
        return d;
    }

    Path workDir() {
        return workDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workDir;
    }

    String stamp() {
        return stamp == null || stamp.isBlank() ? null : stamp;
    }

    boolean dryRun() {
        return dryRun;
    }

    static String defaultImage() {
        return "ghcr.io/etcd-ops/restore-job:" + ToolVersion.get();
    }
}
