package io.etcdops.restore;

import io.etcdops.core.runtime.FileTrees;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * `swap`: the last step of a Kubernetes restore pod. On the member's own volume, moves the old {@code member/} dir of
 * the data dir aside to {@code <volume>/.etcd-ops-bak-<stamp>/} and the restored one (written by etcdutl into
 * {@code <volume>/.etcd-ops-restoring-<stamp>/}) into place. Renames on one volume: no copy, nothing deleted.
 * Idempotent: a retried pod finds the swap done and succeeds, and a pod of a resumed run whose member was already
 * swapped by an earlier pod of the same run keeps what is in place (see {@link #putInPlace}).
 */
@Command(name = "swap", mixinStandardHelpOptions = true, hidden = true,
        description = "Inside a restore pod: put the restored member data in place, old data moved aside (never deleted).")
public final class SwapCommand extends JobCommand {

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The member's data dir on the mounted volume.")
    Path dataDir;

    @Option(names = "--volume", required = true, paramLabel = "DIR", description = "Where the member's volume is mounted.")
    Path volume;

    @Option(names = "--wal-dir", paramLabel = "DIR", description = "The member's dedicated WAL dir, if it has one.")
    Path walDir;

    @Option(names = "--stamp", required = true, paramLabel = "STAMP", description = "The restore run's stamp.")
    String stamp;

    public SwapCommand() {
        super("restore-job swap");
    }

    public static Path staging(Path volume, String stamp) {
        return volume.resolve(".etcd-ops-restoring-" + stamp);
    }

    public static Path backup(Path volume, String stamp) {
        return volume.resolve(".etcd-ops-bak-" + stamp);
    }

    @Override
    protected void run(JobReport report) throws Exception {
        Path staged = staging(volume, stamp).resolve("member");
        Path current = dataDir.resolve("member");
        Path aside = backup(volume, stamp);
        Path stagedWal = staging(volume, stamp).resolve("wal");
        if (walDir != null && Files.isDirectory(stagedWal)) {
            // a dedicated WAL dir must be swapped too: etcd would replay the old WAL on top of the restored db
            putInPlace(stagedWal, walDir, aside.resolve("wal"), report);
            report.put("wal-dir", walDir.toString());
        }
        if (!Files.isDirectory(staged)) {
            if (Files.isDirectory(current) && Files.isDirectory(aside)) {
                report.put("swap", "already done");
                return;
            }
            throw JobException.failed("nothing restored at " + staged + " (did the etcdutl step run?)");
        }
        putInPlace(staged, current, aside.resolve("member"), report);
        report.put("data-dir", dataDir.toString());
        FileTrees.delete(staging(volume, stamp));
    }

    /**
     * Moves {@code target} (the old data) to {@code asideTarget} and {@code restored} into its place. If this run's
     * aside copy already exists, an earlier pod of the same run (one whose job was killed before it recorded the
     * member) already swapped: what is in place is restored data of the same snapshot, and the old data is safe in the
     * aside copy — so the new restored copy is dropped (it is ours, in our staging dir) rather than moved over either.
     */
    private static void putInPlace(Path restored, Path target, Path asideTarget, JobReport report) throws Exception {
        if (Files.exists(asideTarget)) {
            if (Files.exists(target)) {
                FileTrees.delete(restored);
                report.put("swap", "already done by an earlier pod of this run");
                return;
            }
            // interrupted between the two renames: the old data is aside, nothing in place yet
        } else if (Files.exists(target)) {
            Files.createDirectories(asideTarget.getParent());
            Files.move(target, asideTarget, StandardCopyOption.ATOMIC_MOVE);
            report.put("moved-aside", asideTarget.toString());
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.move(restored, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
