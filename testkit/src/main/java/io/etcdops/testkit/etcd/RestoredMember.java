package io.etcdops.testkit.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A fresh single-member etcd restored from a snapshot file with etcd's own tool (etcdutl 3.5+, etcdctl 3.4) — the
 * independent check that a backup really restores. Close it to stop the member and remove its folder.
 */
public final class RestoredMember implements AutoCloseable {
    private final Path dir;
    private final Process process;
    private final String clientUrl;

    private RestoredMember(Path dir, Process process, String clientUrl) {
        this.dir = dir;
        this.process = process;
        this.clientUrl = clientUrl;
    }

    public static RestoredMember restore(String version, Path snapshot) {
        EtcdBinaries bin = EtcdBinaries.of(version);
        try {
            Path dir = Files.createTempDirectory("etcd-ops-restored-");
            int peer = FreePorts.next();
            int client = FreePorts.next();
            String peerUrl = "http://127.0.0.1:" + peer;
            String clientUrl = "http://127.0.0.1:" + client;
            Path data = dir.resolve("r.etcd");
            Exec.run(List.of(bin.restoreTool().toString(), "snapshot", "restore", snapshot.toString(), "--name", "r",
                    "--initial-cluster", "r=" + peerUrl, "--initial-advertise-peer-urls", peerUrl, "--data-dir", data.toString()),
                    Duration.ofMinutes(5));
            Process p = new ProcessBuilder(bin.etcd().toString(), "--name", "r", "--data-dir", data.toString(),
                    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl, "--listen-peer-urls", peerUrl,
                    "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "r=" + peerUrl, "--log-level", "error")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
            EtcdProcesses.register(p);
            RestoredMember m = new RestoredMember(dir, p, clientUrl);
            m.awaitReady();
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String clientUrl() {
        return clientUrl;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Client c = Client.builder().endpoints(clientUrl).build()) {
            while (System.nanoTime() < deadline) {
                try {
                    c.getKVClient().get(ByteSequence.from("x", StandardCharsets.UTF_8)).get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    EtcdCluster.sleep(200);
                }
            }
        }
        throw new IllegalStateException("restored etcd did not start at " + clientUrl);
    }

    /** Every key and value, plus the revision, as a client sees them. */
    public record Dump(long revision, Map<String, String> kvs) {
    }

    public Dump dump() {
        return dump(clientUrl, null);
    }

    /** Reads all keys of any etcd (the original cluster too), for comparisons. */
    public static Dump dump(String endpoints, Client given) {
        Client c = given != null ? given : Client.builder().endpoints(endpoints.split(",")).maxInboundMessageSize(512 * 1024 * 1024).build();
        try {
            GetResponse r = c.getKVClient().get(ByteSequence.from(new byte[] {0}),
                    GetOption.builder().withRange(ByteSequence.from(new byte[] {0})).build()).get(60, TimeUnit.SECONDS);
            Map<String, String> m = new TreeMap<>();
            for (KeyValue kv : r.getKvs()) {
                m.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
            }
            return new Dump(r.getHeader().getRevision(), m);
        } catch (Exception e) {
            throw new IllegalStateException("reading all keys from " + endpoints + " failed: " + e.getMessage(), e);
        } finally {
            if (given == null) {
                c.close();
            }
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        EtcdMember.deleteTree(dir);
    }
}
