package io.etcdops.upgrade;

import io.etcdops.core.runtime.Json;
import tools.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.jobs.JobProcess;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real etcd StatefulSet (etcd's docs shape, real binaries of the tag's version) in testkit's Kubernetes simulation,
 * and the ways the tests run the upgrader against it: in this JVM ({@link #upgrade}: the simulation's client and
 * {@code sim::resolve} through {@link Upgrader}'s second constructor) or as the image runs it ({@link #upgradeProcess}:
 * the main class in a child JVM that reaches the API through KUBERNETES_MASTER and resolves pod DNS names through the
 * simulation's hosts file).
 */
final class SimulatedEtcd implements AutoCloseable {
    static final Duration UP = Duration.ofSeconds(120);
    private static final AtomicInteger RUNS = new AtomicInteger();

    final KubeSimulation sim;
    final int replicas;
    private final Path work;

    private SimulatedEtcd(KubeSimulation sim, int replicas, Path work) {
        this.sim = sim;
        this.replicas = replicas;
        this.work = work;
    }

    static SimulatedEtcd start(String version, int replicas, String strategy, Path work) {
        KubeSimulation sim = KubeSimulation.start();
        try {
            EtcdStatefulSets.flagStyle().version(version).replicas(replicas).updateStrategy(strategy, null).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            return new SimulatedEtcd(sim, replicas, work);
        } catch (RuntimeException | Error e) {
            sim.close();
            throw e;
        }
    }

    /** What one upgrader run ended with: its exit code and its JSON report. */
    record Run(int exitCode, JsonNode report, String output) {
        String error() {
            return report.path("error").asText("");
        }

        @Override
        public String toString() {
            return "exit " + exitCode + ": " + report + (output.isEmpty() ? "" : "\n" + output);
        }
    }

    /** Runs the upgrader in this JVM; the report is read from --output-dir. */
    Run upgrade(String... args) {
        Path out = work.resolve("run-" + RUNS.incrementAndGet());
        List<String> argv = new ArrayList<>(List.of("--statefulset", "etcd", "--namespace", "default", "--output-dir", out.toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JobRunner.run(new Upgrader(sim.client(), sim::resolve), argv.toArray(String[]::new), System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, readReport(out), err.toString(StandardCharsets.UTF_8));
    }

    /** The upgrader's main class in a child JVM, as the image runs it. */
    JobProcess upgraderProcess() {
        return JobProcess.of(Upgrader.class.getName()).env("KUBERNETES_MASTER", sim.apiUrl())
                .env("KUBERNETES_NAMESPACE", "default").env("KUBERNETES_AUTH_TRYKUBECONFIG", "false")
                .env("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false").env("ETCD_OPS_STATEFULSET", "etcd")
                .env("JAVA_TOOL_OPTIONS", String.join(" ", sim.jvmOptions())).timeoutSeconds(900);
    }

    static Run finished(JobProcess.Result r) {
        try {
            return new Run(r.exitCode(), Json.mapper().readTree(r.reportLine()), r.stderr());
        } catch (RuntimeException e) {
            throw new AssertionError("no JSON report from the upgrader:\n" + r, e);
        }
    }

    private static JsonNode readReport(Path dir) {
        try {
            return Json.mapper().readTree(Files.readString(dir.resolve("report.json")));
        } catch (IOException e) {
            throw new UncheckedIOException("no report.json in " + dir, e);
        }
    }

    // ---- reading the state ----

    URI clientUrl(int ordinal) {
        return sim.resolve(URI.create("http://etcd-" + ordinal + ".etcd.default.svc.cluster.local:2379"));
    }

    List<URI> clientUrls() {
        return IntStream.range(0, replicas).mapToObj(this::clientUrl).toList();
    }

    Client client() {
        return Client.builder().endpoints(clientUrls().toArray(URI[]::new)).build();
    }

    /** {@code /version} of one pod's etcd: etcdserver and etcdcluster. */
    Map<String, String> version(int ordinal) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(clientUrl(ordinal).resolve("/version"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode n = Json.mapper().readTree(r.body());
            return Map.of("server", n.path("etcdserver").asText(), "cluster", n.path("etcdcluster").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What one pod's etcd says about its storage version and etcd's downgrade job (core's raw Status call). */
    io.etcdops.core.etcd.MaintenanceRpc.VersionStatus versionStatus(int ordinal) {
        URI u = clientUrl(ordinal);
        return io.etcdops.core.etcd.MaintenanceRpc.status(new io.etcdops.core.etcd.EtcdConnectionConfig(List.of(u), null, null,
                null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(5)), u);
    }

    /** Writes {@code n} keys {@code /data/<i>} (the data a downgrade must keep). */
    void putKeys(int n) throws Exception {
        try (Client c = client()) {
            for (int i = 0; i < n; i++) {
                c.getKVClient().put(Writer.bytes("/data/" + i), Writer.bytes("value-" + i)).get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** How many of the keys {@link #putKeys} wrote are there with their values. */
    long keysIntact(int n) throws Exception {
        try (Client c = client()) {
            long ok = 0;
            for (int i = 0; i < n; i++) {
                var kvs = c.getKVClient().get(Writer.bytes("/data/" + i)).get(10, TimeUnit.SECONDS).getKvs();
                if (kvs.size() == 1 && kvs.get(0).getValue().toString(java.nio.charset.StandardCharsets.UTF_8).equals("value-" + i)) {
                    ok++;
                }
            }
            return ok;
        }
    }

    /**
     * Changes the etcd container's args in the template (retrying the 409 of the simulated controller's concurrent status
     * writes); with {@code RollingUpdate} the simulation then rolls the pods: {@code rollOut} waits for that.
     */
    void editArgs(java.util.function.Consumer<List<String>> change, boolean rollOut) {
        for (int attempt = 1; ; attempt++) {
            try {
                sim.client().apps().statefulSets().withName("etcd").edit(s -> {
                    change.accept(s.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
                    return s;
                });
                break;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
        if (rollOut) {
            sim.awaitStatefulSetReady("etcd", UP);
            awaitHealthy();
        }
    }

    List<String> args() {
        return statefulSet().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
    }

    /** Raft snapshots the pod's etcd saved since it started ({@code etcd_snap_fsync_duration_seconds_count}). */
    long snapshotsSinceStart(int ordinal) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(clientUrl(ordinal).resolve("/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith("etcd_snap_fsync_duration_seconds_count "))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim())).findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Pod name -> the version its etcd reports. */
    Map<String, String> serverVersions() {
        Map<String, String> m = new LinkedHashMap<>();
        IntStream.range(0, replicas).forEach(i -> m.put("etcd-" + i, version(i).get("server")));
        return m;
    }

    Map<String, String> podUids() {
        return sim.client().pods().list().getItems().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(),
                p -> p.getMetadata().getUid()));
    }

    StatefulSet statefulSet() {
        return sim.client().apps().statefulSets().withName("etcd").get();
    }

    String image() {
        return statefulSet().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    String strategy() {
        return statefulSet().getSpec().getUpdateStrategy().getType();
    }

    boolean hasProgressRecord() {
        var a = statefulSet().getMetadata().getAnnotations();
        return a != null && a.containsKey(ProgressRecord.ANNOTATION);
    }

    /** The cluster lock is free (no holder) or was never taken. */
    boolean lockFree() {
        var l = sim.client().leases().withName(ClusterLease.leaseName("etcd")).get();
        return l == null || l.getSpec().getHolderIdentity() == null || l.getSpec().getHolderIdentity().isEmpty();
    }

    /** Member name -> id, from etcd. */
    Map<String, Long> memberIds() {
        try (Client c = client()) {
            return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                    .collect(Collectors.toMap(Member::getName, Member::getId));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The raft term (highest any member reports). Every leader election, a leadership move included, raises it by one;
     * restarting a follower does not.
     */
    long raftTerm() {
        try (Client c = client()) {
            long term = 0;
            for (URI u : clientUrls()) {
                term = Math.max(term, c.getMaintenanceClient().statusMember(u.toString()).get(5, TimeUnit.SECONDS).getRaftTerm());
            }
            return term;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every pod Ready (whatever its revision) and every member answering with the same leader. */
    void awaitHealthy() {
        IntStream.range(0, replicas).forEach(i -> sim.awaitPodReady("etcd-" + i, UP));
        Poll.until("every member healthy with one leader", UP, () -> {
            try (Client c = client()) {
                long leader = -1;
                for (URI u : clientUrls()) {
                    var s = c.getMaintenanceClient().statusMember(u.toString()).get(3, TimeUnit.SECONDS);
                    if (s.getLeader() == 0 || (leader != -1 && leader != s.getLeader())) {
                        return false;
                    }
                    leader = s.getLeader();
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        }, () -> sim.describePods("etcd"));
    }

    Pod pod(String name) {
        return sim.client().pods().withName(name).get();
    }

    @Override
    public void close() {
        sim.close();
    }
}
