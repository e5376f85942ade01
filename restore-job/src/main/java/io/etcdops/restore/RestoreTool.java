package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * etcd's own restore tool: {@code etcdutl snapshot restore} (3.5+; the only one from 3.6 on, whose etcdctl has no
 * {@code snapshot restore}) or {@code etcdctl snapshot restore} (3.4), found at --etcdutl or on PATH (etcdutl first).
 * Its capabilities are detected from its --help, so a revision bump it cannot do is a clear error, never silently
 * skipped. Its version is the etcd version the restored data is meant for ({@link StorageVersionGuard}). The
 * restore drops the snapshot's membership and makes every {@code --initial-cluster} entry a voting member: the
 * restore passes exactly the members it restores (LocalRestoreIT checks they all come back as voters, no learner).
 */
public final class RestoreTool {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreTool.class);

    private final Path binary;
    private final String version;
    private final boolean canBump;
    private final boolean canSkipHashCheck;

    private RestoreTool(Path binary, String version, boolean canBump, boolean canSkipHashCheck) {
        this.binary = binary;
        this.version = version;
        this.canBump = canBump;
        this.canSkipHashCheck = canSkipHashCheck;
    }

    public static RestoreTool locate(Path explicit) {
        Path bin = explicit;
        if (bin == null) {
            bin = onPath("etcdutl").or(() -> onPath("etcdctl")).orElseThrow(() -> JobException.failed(
                    "no etcdutl or etcdctl on PATH: install etcd's tools of the cluster's version or pass --etcdutl PATH"));
        } else if (!Files.isExecutable(bin)) {
            throw JobException.usage("--etcdutl " + bin + ": not an executable file");
        }
        String v = run(List.of(bin.toString(), "version")).lines().filter(l -> l.contains("version:")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        String help = run(List.of(bin.toString(), "snapshot", "restore", "--help"));
        if (!help.contains("--initial-cluster")) {
            // etcd 3.6 removed 'snapshot restore' (and 'status') from etcdctl: only etcdutl has them
            throw JobException.usage(bin + " " + v + " does not support 'snapshot restore'"
                    + (bin.getFileName().toString().startsWith("etcdctl") ? " (etcdctl 3.6+ has none: pass --etcdutl with the "
                    + "etcdutl of the cluster's version)" : " (is it etcdutl/etcdctl?)"));
        }
        RestoreTool t = new RestoreTool(bin, v, help.contains("--bump-revision") && help.contains("--mark-compacted"),
                help.contains("--skip-hash-check"));
        LOG.info("restore tool: {} (version {}, bump-revision {})", bin, v, t.canBump ? "supported" : "not supported");
        return t;
    }

    public Path binary() {
        return binary;
    }

    public String version() {
        return version;
    }

    public boolean canBumpRevision() {
        return canBump;
    }

    /** The exact command for one member. */
    public List<String> command(Path snapshot, MemberRestore m, String initialCluster, String token, long bumpRevision) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "snapshot", "restore", snapshot.toString(),
                "--name", m.name(), "--initial-cluster", initialCluster, "--initial-cluster-token", token,
                "--initial-advertise-peer-urls", m.peerUrl(), "--data-dir", m.stagingDir().toString()));
        if (m.walDir() != null) {
            cmd.addAll(List.of("--wal-dir", m.walStagingDir().toString()));
        }
        if (bumpRevision > 0) {
            requireBump(bumpRevision);
            cmd.addAll(List.of("--bump-revision", String.valueOf(bumpRevision), "--mark-compacted"));
        }
        if (canSkipHashCheck) {
            // restore-job verified this very file a moment ago (etcd's sha256 trailer, the manifest's sha256, a bbolt
            // read): etcd re-hashing it would read the whole db once more per member. The trailer is still cut off.
            cmd.add("--skip-hash-check");
        }
        return cmd;
    }

    /** A requested revision bump this tool cannot do is a usage error (exit 2), never silently skipped. */
    public void requireBump(long bumpRevision) {
        if (bumpRevision > 0 && !canBump) {
            throw JobException.usage(binary.getFileName() + " " + version + " cannot --bump-revision (etcd 3.4's etcdctl "
                    + "lacks it): pass --etcdutl with etcd 3.5+'s etcdutl (it restores 3.4 snapshots too), or turn the "
                    + "Kubernetes-safe bump off with --bump-revision 0 (watchers may then miss changes)");
        }
    }

    /** Runs the restore; its output goes to our log, failure is exit 1 with the tool's last line. */
    public void execute(List<String> cmd) {
        String out;
        int code;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw JobException.failed(binary.getFileName() + " snapshot restore timed out");
            }
            code = p.exitValue();
        } catch (IOException e) {
            throw JobException.failed("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted while restoring");
        }
        out.lines().forEach(l -> LOG.debug("{}: {}", binary.getFileName(), l));
        if (code != 0) {
            String last = out.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
            throw JobException.failed(binary.getFileName() + " snapshot restore exited " + code + ": " + last);
        }
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw JobException.failed("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted");
        }
    }
}
