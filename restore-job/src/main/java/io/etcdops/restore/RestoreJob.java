package io.etcdops.restore;

import io.etcdops.core.cli.ListSnapshotsCommand;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.runtime.ToolVersion;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** restore-job: list, fetch and restore etcd snapshots; prove backups restorable with `drill`. */
@Command(name = "restore-job", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class,
        description = {"One-shot etcd restore. Subcommands: list, fetch, local, kubernetes, drill.",
                "Every mode is Kubernetes-safe by default (new cluster token, --bump-revision 1000000000 --mark-compacted) "
                        + "and never deletes existing data: it is moved aside to <dir>.bak-<timestamp>."},
        subcommands = {ListSnapshotsCommand.class, FetchCommand.class, LocalRestoreCommand.class, KubernetesRestoreCommand.class,
                DrillCommand.class, SwapCommand.class},
        footer = {"%nEnvironment variables: each option names its variable (ETCD_OPS_*, and etcd's own ETCD_* names for "
                + "the member flags).", "%nExit codes:", "  0  done", "  1  operation failed", "  2  usage or configuration error",
                "  3  refused for safety (data dir in use, no room)", "  4  verification failed (corrupt snapshot, wrong key)"})
public final class RestoreJob implements Callable<Integer> {

    public static void main(String[] args) {
        JobRunner.main(new RestoreJob(), args);
    }

    @Override
    public Integer call() {
        throw JobException.usage("choose a subcommand: list, fetch, local, kubernetes or drill (restore-job --help)");
    }
}
