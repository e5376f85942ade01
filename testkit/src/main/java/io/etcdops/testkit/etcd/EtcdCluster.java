package io.etcdops.testkit.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real etcd cluster of 1, 3 or 5 members on 127.0.0.1 with free ports and temp data dirs. Always close it (or rely
 * on the JVM shutdown hook): every process is killed and the folders removed.
 */
public final class EtcdCluster implements AutoCloseable {
    public static final String ROOT_PASSWORD = "root-pw-for-tests";

    private final EtcdClusterSpec spec;
    private final Path dir;
    private final String token = "etcd-ops-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<EtcdMember> members = new ArrayList<>();
    private final TestCertificates certificates;
    private TestCertificates.Pair serverCert;
    private TestCertificates.Pair clientCert;

    private EtcdCluster(EtcdClusterSpec spec, Path dir) {
        this.spec = spec;
        this.dir = dir;
        this.certificates = spec.tls() ? TestCertificates.create(dir.resolve("pki"), "etcd-test-ca") : null;
        if (spec.tls()) {
            serverCert = certificates.server("server");
            clientCert = certificates.client("root");
        }
        EtcdBinaries bin = EtcdBinaries.of(spec.version());
        for (int i = 0; i < spec.members(); i++) {
            String name = "m" + i;
            members.add(new EtcdMember(this, name, FreePorts.next(), FreePorts.next(), dir.resolve(name + ".etcd"), bin));
        }
    }

    public static EtcdCluster start(String version, int size) {
        return start(EtcdClusterSpec.of(version, size));
    }

    public static EtcdCluster start(EtcdClusterSpec spec) {
        Path dir;
        try {
            dir = Files.createTempDirectory("etcd-ops-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdCluster c = new EtcdCluster(spec, dir);
        try {
            c.members.forEach(EtcdMember::start);
            c.waitHealthy(Duration.ofSeconds(30));
            if (spec.auth()) {
                c.enableAuth();
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public EtcdClusterSpec spec() {
        return spec;
    }

    public String token() {
        return token;
    }

    public Path dir() {
        return dir;
    }

    public List<EtcdMember> members() {
        return members;
    }

    public EtcdMember member(int i) {
        return members.get(i);
    }

    public String clientScheme() {
        return spec.tls() ? "https" : "http";
    }

    public String peerScheme() {
        return "http";
    }

    public TestCertificates certificates() {
        return certificates;
    }

    TestCertificates.Pair serverCert() {
        return serverCert;
    }

    /** The client certificate (CN=root) for mutual TLS; null without TLS. */
    public TestCertificates.Pair clientCert() {
        return clientCert;
    }

    public String initialCluster() {
        return members.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","));
    }

    /** Comma-separated client URLs of all members (running or not). */
    public String endpoints() {
        return members.stream().map(EtcdMember::clientUrl).collect(Collectors.joining(","));
    }

    public String runningEndpoints() {
        return members.stream().filter(EtcdMember::running).map(EtcdMember::clientUrl).collect(Collectors.joining(","));
    }

    /** A jetcd client with the cluster's TLS and auth, over all members. Caller closes it. */
    public Client client() {
        return client(endpoints());
    }

    public Client client(String endpoints) {
        ClientBuilder b = Client.builder().endpoints(endpoints.split(",")).maxInboundMessageSize(512 * 1024 * 1024);
        if (spec.auth()) {
            b.user(bytes("root")).password(bytes(ROOT_PASSWORD));
        }
        if (spec.tls()) {
            try {
                b.sslContext(ssl -> ssl.trustManager(certificates.caFile().toFile())
                        .keyManager(clientCert.cert().toFile(), clientCert.key().toFile()));
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.build();
    }

    /** Runs this cluster's etcdctl against the given endpoints (all members by default) with TLS/auth flags. */
    public String etcdctl(String... args) {
        return etcdctlAt(endpoints(), args);
    }

    public String etcdctlAt(String endpoints, String... args) {
        List<String> cmd = new ArrayList<>(List.of(members.get(0).binaries().etcdctl().toString(), "--endpoints", endpoints,
                "--dial-timeout", "2s", "--command-timeout", "10s"));
        if (spec.tls()) {
            cmd.addAll(List.of("--cacert", certificates.caFile().toString(), "--cert", clientCert.cert().toString(),
                    "--key", clientCert.key().toString()));
        }
        if (spec.auth() && authEnabled) {
            cmd.addAll(List.of("--user", "root:" + ROOT_PASSWORD));
        }
        cmd.addAll(List.of(args));
        return Exec.run(cmd, Duration.ofSeconds(60));
    }

    private boolean authEnabled;

    private void enableAuth() {
        etcdctl("user", "add", "root:" + ROOT_PASSWORD, "--interactive=false");
        etcdctl("auth", "enable");
        authEnabled = true;
    }

    /** Waits until every running member answers a health check. */
    public void waitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean allOk = true;
            for (EtcdMember m : members) {
                if (!m.running()) {
                    continue;
                }
                Exec.Result r = Exec.tryRun(healthCommand(m), Duration.ofSeconds(5));
                if (r.exitCode() != 0) {
                    allOk = false;
                    last = m.name() + ": " + r.output().trim();
                    break;
                }
            }
            if (allOk) {
                return;
            }
            sleep(200);
        }
        StringBuilder logs = new StringBuilder();
        for (EtcdMember m : members) {
            logs.append("\n--- ").append(m.name()).append(m.running() ? " (running)" : " (not running)").append(" log tail:\n")
                    .append(m.logTail(15));
        }
        throw new IllegalStateException("etcd cluster not healthy within " + timeout + ": " + last + logs);
    }

    private List<String> healthCommand(EtcdMember m) {
        List<String> cmd = new ArrayList<>(List.of(m.binaries().etcdctl().toString(), "--endpoints", m.clientUrl(),
                "--dial-timeout", "1s", "--command-timeout", "2s"));
        if (spec.tls()) {
            cmd.addAll(List.of("--cacert", certificates.caFile().toString(), "--cert", clientCert.cert().toString(),
                    "--key", clientCert.key().toString()));
        }
        if (authEnabled) {
            cmd.addAll(List.of("--user", "root:" + ROOT_PASSWORD));
        }
        cmd.addAll(List.of("endpoint", "health"));
        return cmd;
    }

    /** Writes Kubernetes-looking, compressible JSON values until about {@code bytes} of values are written. */
    public DataFiller.Result fill(long bytes, int valueSize) {
        try (Client c = client()) {
            return DataFiller.fill(c, bytes, valueSize);
        }
    }

    /**
     * Writes one key, retrying for up to 30 s: right after a member was killed the cluster may be electing a leader
     * ("request timed out"), which on a loaded 2-core machine takes a few seconds.
     */
    public void put(String key, String value) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Client c = client(runningEndpoints().isEmpty() ? endpoints() : runningEndpoints())) {
            while (true) {
                try {
                    c.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("put " + key + " failed: " + e.getMessage(), e);
                    }
                    sleep(500);
                }
            }
        }
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        members.forEach(EtcdMember::kill);
        EtcdMember.deleteTree(dir);
    }
}
