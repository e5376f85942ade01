package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** `local`: restore a snapshot into data dir(s) on this machine with the flags etcdutl users know. */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore into a data dir on this machine (VMs, bare metal, or inside a restore pod).",
                "Kubernetes-safe by default: a new cluster token and --bump-revision 1000000000 --mark-compacted, so "
                        + "watchers and informers relist instead of missing changes. An existing data dir is moved to "
                        + "<dir>.bak-<timestamp>, never deleted; a data dir in use by a running etcd is refused."},
        footer = {"%nExit codes:", "  0  restored", "  1  failed (snapshot not found, restore tool failed)", "  2  usage error",
                "  3  refused (data dir in use, not enough disk space)", "  4  verification failed (corrupt snapshot, wrong key)"})
public final class LocalRestoreCommand extends JobCommand {

    @Mixin
    SnapshotSourceOptions source;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "${env:ETCD_NAME}",
            description = "This member's name (env ETCD_NAME).")
    String name;

    @Option(names = "--initial-cluster", paramLabel = "NAME=PEER_URL,...", defaultValue = "${env:ETCD_INITIAL_CLUSTER}",
            description = "All members of the restored cluster (env ETCD_INITIAL_CLUSTER).")
    String initialCluster;

    @Option(names = "--initial-cluster-token", paramLabel = "TOKEN", defaultValue = "${env:ETCD_OPS_RESTORE_TOKEN}",
            description = "Token of the restored cluster; default derived from the snapshot, the same on every member and "
                    + "different from the old cluster's (env ETCD_OPS_RESTORE_TOKEN).")
    String token;

    @Option(names = "--initial-advertise-peer-urls", paramLabel = "URL", defaultValue = "${env:ETCD_INITIAL_ADVERTISE_PEER_URLS}",
            description = "This member's peer URL; default its entry in --initial-cluster (env ETCD_INITIAL_ADVERTISE_PEER_URLS).")
    String peerUrl;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_DATA_DIR}",
            description = "The member's data dir (env ETCD_DATA_DIR).")
    Path dataDir;

    @Option(names = "--wal-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_WAL_DIR}",
            description = "Dedicated WAL dir, if the member uses one (env ETCD_WAL_DIR).")
    Path walDir;

    @Option(names = "--all-members", defaultValue = "false",
            description = "Restore every member of --initial-cluster here, in parallel, into --data-dir-template.")
    boolean allMembers;

    @Option(names = "--data-dir-template", paramLabel = "PATH", defaultValue = "${env:ETCD_OPS_DATA_DIR_TEMPLATE}",
            description = "With --all-members: data dir per member, {name} is replaced, e.g. /var/lib/etcd/{name}.etcd.")
    String dataDirTemplate;

    @Option(names = "--bump-revision", paramLabel = "N", defaultValue = "${env:ETCD_OPS_BUMP_REVISION:-1000000000}",
            description = "Raise the revision by N and mark it compacted (etcd's advice for Kubernetes); 0 turns it off "
                    + "(env ETCD_OPS_BUMP_REVISION; default ${DEFAULT-VALUE}).")
    long bumpRevision;

    @Option(names = "--mark-compacted", defaultValue = "true", hidden = true,
            description = "Accepted for etcdutl familiarity; always on when --bump-revision > 0.")
    boolean markCompacted;

    @Option(names = "--etcdutl", paramLabel = "PATH", defaultValue = "${env:ETCD_OPS_ETCDUTL}",
            description = "etcdutl (3.5+) or etcdctl (3.4) to restore with; default the first on PATH (env ETCD_OPS_ETCDUTL).")
    Path etcdutl;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_SPOOL_DIR}",
            description = "Where the fetched snapshot is kept during the restore (default the system temp dir) (env ETCD_OPS_SPOOL_DIR).")
    Path workDir;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "Fetch and verify the snapshot, print every step, change nothing (env ETCD_OPS_DRY_RUN).")
    boolean dryRun;


    public LocalRestoreCommand() {
        super("restore-job local");
    }

    @Override
    protected void run(JobReport report) throws Exception {
        LocalRestorePlan plan = LocalRestorePlan.of(name, initialCluster, token, peerUrl, dataDir, walDir, allMembers,
                dataDirTemplate, bumpRevision);
        new LocalRestore(source, plan, etcdutl, workDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : workDir,
                dryRun, report).run();
    }


    static JobException usage(String msg) {
        return JobException.usage(msg);
    }
}
