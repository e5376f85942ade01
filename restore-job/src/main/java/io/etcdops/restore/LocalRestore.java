package io.etcdops.restore;

import io.etcdops.core.runtime.FileTrees;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Restores one or more members on this machine: checks first (tool, data dirs not in use, disk room), fetches and
 * verifies the snapshot once, runs etcd's restore for every member in parallel into staging dirs, and only when all
 * succeeded moves the old data aside and the restored data into place. A failure leaves the old data untouched.
 */
final class LocalRestore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRestore.class);

    private final SnapshotSourceOptions source;
    private final LocalRestorePlan plan;
    private final Path etcdutl;
    private final Path workDir;
    private final boolean dryRun;
    private final JobReport report;

    LocalRestore(SnapshotSourceOptions source, LocalRestorePlan plan, Path etcdutl, Path workDir, boolean dryRun, JobReport report) {
        this.source = source;
        this.plan = plan;
        this.etcdutl = etcdutl;
        this.workDir = workDir;
        this.dryRun = dryRun;
        this.report = report;
    }

    void run() throws Exception {
        RestoreTool tool = RestoreTool.locate(etcdutl);
        tool.requireBump(plan.bumpRevision());
        for (MemberRestore m : plan.members()) {
            DataDirGuard.refuseIfInUse(m.dataDir());
            if (m.walDir() != null) {
                DataDirGuard.refuseIfInUse(m.walDir());
            }
        }
        Files.createDirectories(workDir);
        Path snapshotFile = workDir.resolve("etcd-ops-restore-" + plan.members().get(0).stamp() + ".db");
        try {
            SnapshotSourceOptions.LocalSnapshot snap = source.resolve(snapshotFile);
            StorageVersionGuard.require(snap.name(), snap.contents(), tool.version(),
                    "--etcdutl with the etcdutl of that version, and run that etcd on the restored data");
            String token = plan.token() != null ? plan.token() : "etcd-ops-restore-" + snap.name().replaceAll("[^A-Za-z0-9-]", "-");
            report.put("snapshot-uri", snap.uri()).put("snapshot-name", snap.name())
                    .put("snapshot-revision", snap.contents().effectiveRevision()).put("key-count", snap.contents().liveKeys())
                    .put("verification", snap.fromManifest() ? "manifest, sha256, trailer, bbolt"
                            : "plain snapshot file: only etcd's sha256 trailer and the bbolt structure were checked")
                    .put("restored-revision", snap.contents().effectiveRevision() + plan.bumpRevision())
                    .put("initial-cluster-token", token).put("restore-tool", tool.binary() + " " + tool.version())
                    .put("storage-version", snap.contents().storageVersion());
            checkRoom(Files.size(snapshotFile));
            Map<MemberRestore, List<String>> commands = new LinkedHashMap<>();
            for (MemberRestore m : plan.members()) {
                commands.put(m, tool.command(snapshotFile, m, plan.initialCluster(), token, plan.bumpRevision()));
            }
            if (dryRun) {
                List<String> steps = new ArrayList<>();
                commands.forEach((m, cmd) -> {
                    steps.add(String.join(" ", cmd));
                    steps.add("move " + m.dataDir() + " -> " + m.backupDir() + " (if it holds data)");
                    steps.add("move " + m.stagingDir() + " -> " + m.dataDir());
                });
                steps.forEach(s -> LOG.info("dry run: {}", s));
                report.put("status", "dry-run").put("plan", steps);
                return;
            }
            restoreAll(tool, commands);
            List<String> backups = new ArrayList<>();
            for (MemberRestore m : plan.members()) {
                if (DataDirGuard.moveAside(m.dataDir(), m.backupDir())) {
                    backups.add(m.backupDir().toString());
                }
                if (m.walDir() != null && DataDirGuard.moveAside(m.walDir(), m.walBackupDir())) {
                    backups.add(m.walBackupDir().toString());
                }
                Files.createDirectories(m.dataDir().getParent());
                Files.move(m.stagingDir(), m.dataDir(), StandardCopyOption.ATOMIC_MOVE);
                if (m.walDir() != null) {
                    Files.move(m.walStagingDir(), m.walDir(), StandardCopyOption.ATOMIC_MOVE);
                }
                LOG.info("restored member {} into {}", m.name(), m.dataDir());
            }
            report.put("members", plan.members().stream().map(MemberRestore::name).toList())
                    .put("data-dirs", plan.members().stream().map(m -> m.dataDir().toString()).toList())
                    .put("moved-aside", backups)
                    .put("next-steps", "start etcd on every member with the same --initial-cluster and --initial-cluster-token "
                            + token + "; if this cluster serves Kubernetes, restart every kube-apiserver afterwards");
            LOG.info("restore done; if this etcd serves Kubernetes, restart every kube-apiserver once etcd is healthy");
        } finally {
            Files.deleteIfExists(snapshotFile);
        }
    }

    private void restoreAll(RestoreTool tool, Map<MemberRestore, List<String>> commands) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(commands.size(), 4));
        try {
            Map<MemberRestore, Future<?>> futures = new HashMap<>();
            commands.forEach((m, cmd) -> futures.put(m, pool.submit(() -> {
                LOG.info("restoring member {}: {}", m.name(), String.join(" ", cmd));
                tool.execute(cmd);
                return null;
            })));
            JobException first = null;
            for (var e : futures.entrySet()) {
                try {
                    e.getValue().get();
                } catch (java.util.concurrent.ExecutionException ex) {
                    JobException je = ex.getCause() instanceof JobException j ? j
                            : JobException.failed("restoring " + e.getKey().name() + " failed: " + ex.getCause().getMessage(), ex.getCause());
                    first = first == null ? je : first;
                }
            }
            if (first != null) {
                for (MemberRestore m : commands.keySet()) {
                    FileTrees.delete(m.stagingDir()); // our own staging dirs only
                    FileTrees.delete(m.walStagingDir());
                }
                throw JobException.failed(first.getMessage() + " (no data dir was changed)", first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void checkRoom(long snapshotBytes) throws IOException {
        Map<FileStore, Long> need = new HashMap<>();
        for (MemberRestore m : plan.members()) {
            Path parent = existingAncestor(m.dataDir());
            need.merge(Files.getFileStore(parent), snapshotBytes + snapshotBytes / 10 + 64L * 1024 * 1024, Long::sum);
        }
        for (var e : need.entrySet()) {
            long free = e.getKey().getUsableSpace();
            if (free < e.getValue()) {
                throw JobException.refused("not enough disk space on " + e.getKey() + ": " + free / 1048576 + " MiB free, "
                        + e.getValue() / 1048576 + " MiB needed for the restored members (old data is moved aside, not deleted)");
            }
        }
    }

    private static Path existingAncestor(Path p) {
        Path x = p.toAbsolutePath();
        while (x != null && !Files.exists(x)) {
            x = x.getParent();
        }
        return x == null ? Path.of("/") : x;
    }

}
