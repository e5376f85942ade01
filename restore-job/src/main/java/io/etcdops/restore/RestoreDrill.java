package io.etcdops.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.runtime.FileTrees;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The restore drill on this machine: fetch + verify, restore with etcd's tool into a scratch dir, start a real
 * single-member etcd on free loopback ports, read revision and key count back, compare with the snapshot, tear down.
 */
final class RestoreDrill {
    private static final Logger LOG = LoggerFactory.getLogger(RestoreDrill.class);

    private final SnapshotSourceOptions source;
    private final RestoreTool tool;
    private final Path etcd;
    private final long bump;
    private final Path workDir;
    private final JobReport report;

    RestoreDrill(SnapshotSourceOptions source, RestoreTool tool, Path etcd, long bump, Path workDir, JobReport report) {
        this.source = source;
        this.tool = tool;
        this.etcd = etcd;
        this.bump = bump;
        this.workDir = workDir;
        this.report = report;
    }

    void run() throws Exception {
        Path etcdBin = etcd != null ? etcd : siblingOrPath();
        Path scratch = Files.createTempDirectory(Files.createDirectories(workDir), "etcd-ops-drill-");
        Process p = null;
        try {
            SnapshotSourceOptions.LocalSnapshot snap = source.resolve(scratch.resolve("snapshot.db"));
            StorageVersionGuard.require(snap.name(), snap.contents(), tool.version(),
                    "--etcdutl and --etcd of that version");
            int peer = freePort();
            int client = freePort();
            String peerUrl = "http://127.0.0.1:" + peer;
            String clientUrl = "http://127.0.0.1:" + client;
            MemberRestore m = new MemberRestore("drill", peerUrl, scratch.resolve("drill.etcd"), null, "drill");
            tool.execute(tool.command(snap.file(), m, "drill=" + peerUrl, "etcd-ops-drill", bump));
            Files.move(m.stagingDir(), m.dataDir());
            long t0 = System.nanoTime();
            p = new ProcessBuilder(etcdBin.toString(), "--name", "drill", "--data-dir", m.dataDir().toString(),
                    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl, "--listen-peer-urls", peerUrl,
                    "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "drill=" + peerUrl, "--log-level", "error")
                    .redirectErrorStream(true).redirectOutput(scratch.resolve("etcd.log").toFile()).start();
            GetResponse r = countKeys(clientUrl, p, scratch.resolve("etcd.log"));
            double toHealthy = (System.nanoTime() - t0) / 1e9;
            long expectedRevision = snap.contents().effectiveRevision() + bump;
            report.put("snapshot-uri", snap.uri()).put("snapshot-name", snap.name())
                    .put("snapshot-revision", snap.contents().effectiveRevision()).put("restored-revision", r.getHeader().getRevision())
                    .put("key-count", r.getCount()).put("expected-key-count", snap.contents().liveKeys())
                    .put("seconds-to-healthy", Math.round(toHealthy * 100) / 100.0).put("restore-tool", tool.binary() + " " + tool.version());
            if (r.getCount() != snap.contents().liveKeys()) {
                throw JobException.verification("drill: the restored etcd has " + r.getCount() + " keys, the snapshot "
                        + snap.contents().liveKeys());
            }
            if (r.getHeader().getRevision() < expectedRevision) {
                throw JobException.verification("drill: the restored etcd is at revision " + r.getHeader().getRevision()
                        + ", expected at least " + expectedRevision);
            }
            LOG.info("drill passed: {} restored, {} keys, revision {}, healthy after {}s", snap.name(), r.getCount(),
                    r.getHeader().getRevision(), String.format("%.2f", toHealthy));
        } finally {
            if (p != null) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            FileTrees.delete(scratch);
        }
    }

    private GetResponse countKeys(String clientUrl, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        try (Client c = Client.builder().endpoints(clientUrl).build()) {
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw JobException.failed("drill: etcd exited with " + p.exitValue() + ": " + tail(log));
                }
                try {
                    return c.getKVClient().get(ByteSequence.from(new byte[] {0}),
                            GetOption.builder().isPrefix(false).withRange(ByteSequence.from(new byte[] {0}))
                                    .withCountOnly(true).build()).get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    last = e.getMessage();
                    Thread.sleep(200);
                }
            }
        }
        throw JobException.failed("drill: the restored etcd did not answer within 60s: " + last);
    }

    private Path siblingOrPath() {
        Path sib = tool.binary().resolveSibling("etcd");
        if (Files.isExecutable(sib)) {
            return sib;
        }
        return RestoreTool.onPath("etcd").orElseThrow(() -> JobException.failed("no etcd binary next to " + tool.binary()
                + " nor on PATH; pass --etcd PATH"));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

}
