package io.etcdops.testkit.etcd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** One real etcd process of a test cluster: start, stop (SIGTERM), kill (SIGKILL), restart on another binary. */
public final class EtcdMember {
    private final EtcdCluster cluster;
    private final String name;
    private final int clientPort;
    private final int peerPort;
    private final Path dataDir;
    private EtcdBinaries binaries;
    private Process process;
    private String initialClusterState = "new";

    EtcdMember(EtcdCluster cluster, String name, int clientPort, int peerPort, Path dataDir, EtcdBinaries binaries) {
        this.cluster = cluster;
        this.name = name;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dataDir = dataDir;
        this.binaries = binaries;
    }

    public String name() {
        return name;
    }

    public String clientUrl() {
        return cluster.clientScheme() + "://127.0.0.1:" + clientPort;
    }

    public String peerUrl() {
        return cluster.peerScheme() + "://127.0.0.1:" + peerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolveSibling(name + ".log");
    }

    public EtcdBinaries binaries() {
        return binaries;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Joins an existing cluster next time it starts (after a member add). */
    public EtcdMember asExisting() {
        this.initialClusterState = "existing";
        return this;
    }

    public synchronized EtcdMember start() {
        if (running()) {
            return this;
        }
        List<String> cmd = new ArrayList<>(List.of(binaries.etcd().toString(),
                "--name", name,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl(),
                "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", peerUrl(),
                "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", cluster.initialCluster(),
                "--initial-cluster-state", initialClusterState,
                "--initial-cluster-token", cluster.token(),
                "--snapshot-count", String.valueOf(cluster.spec().snapshotCount()),
                "--heartbeat-interval", "100",
                "--election-timeout", "1000",
                "--log-level", "warn"));
        if (cluster.spec().quotaBackendBytes() > 0) {
            cmd.addAll(List.of("--quota-backend-bytes", String.valueOf(cluster.spec().quotaBackendBytes())));
        }
        if (binaries.is34()) {
            cmd.addAll(List.of("--logger", "zap"));
        }
        if (cluster.spec().tls()) {
            TestCertificates.Pair server = cluster.serverCert();
            cmd.addAll(List.of("--cert-file", server.cert().toString(), "--key-file", server.key().toString(),
                    "--trusted-ca-file", cluster.certificates().caFile().toString(), "--client-cert-auth"));
        }
        cmd.addAll(cluster.spec().extraFlags());
        try {
            Files.createDirectories(dataDir.getParent());
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile())).start();
            EtcdProcesses.register(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd " + name, e);
        }
        return this;
    }

    /** Graceful stop (SIGTERM), as a pod deletion or systemctl stop does. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        waitExit(15);
    }

    /** SIGKILL: a crash or a node that vanished. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitExit(10);
    }

    public synchronized void restart() {
        stop();
        start();
    }

    /** Stops the member and starts it on the same data dir with another etcd version's binary. */
    public synchronized void restartWith(String version) {
        stop();
        this.binaries = EtcdBinaries.of(version);
        start();
    }

    /** Overwrites bytes in the middle of the member's bbolt db (member must be stopped). */
    public void corruptDb() {
        if (running()) {
            throw new IllegalStateException("stop " + name + " before corrupting its data dir");
        }
        Path db = dataDir.resolve("member/snap/db");
        try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
            long len = f.length();
            f.seek(0);
            f.write(new byte[(int) Math.min(len, 8192)]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the member's data dir entirely (volume loss). Member must be stopped. */
    public void wipeDataDir() {
        if (running()) {
            throw new IllegalStateException("stop " + name + " before wiping its data dir");
        }
        deleteTree(dataDir);
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.exists(logFile()) ? Files.readAllLines(logFile(), StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void waitExit(int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path dir) {
        io.etcdops.testkit.Folders.delete(dir);
    }
}
