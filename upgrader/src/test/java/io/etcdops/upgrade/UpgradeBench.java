package io.etcdops.upgrade;

import tools.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.kube.EtcdStatefulSets;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Benchmark (not a test; run by bench/upgrade-bench.sh): write availability during a 3-member patch rollout of real
 * etcd in the Kubernetes simulation, the upgrader against a plain StatefulSet RollingUpdate image change (what people
 * do today). Versions from {@code -Dupgrade.from} / {@code -Dupgrade.to} (default 3.6.16 -> 3.7.3): a patch pair
 * alternates on one cluster so both methods go both ways; a minor step (3.6 -> 3.7) has no way back by image change
 * (a 3.6 binary refuses 3.7 data), so each rollout gets a fresh cluster on the older version. While each rollout
 * runs: one writer pinned to each member (no retries) and one multi-endpoint writer that moves to the next endpoint
 * after an error and retries the same put up to 6 times. Measured: leader elections (raft term increase), failed
 * writes, longest gap between successful writes, total time, and for the upgrader the sum of its members'
 * restart-to-healthy times.
 *
 * <pre>java ... io.etcdops.upgrade.UpgradeBench REPS RESULTS_FILE</pre>
 */
public final class UpgradeBench {
    private static final Duration PUT_TIMEOUT = Duration.ofSeconds(5);

    private UpgradeBench() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path results = args.length > 1 ? Path.of(args[1]) : null;
        Path work = Files.createTempDirectory("upgrade-bench-");
        String[] versions = {System.getProperty("upgrade.from", EtcdBinaries.V3_6), System.getProperty("upgrade.to", EtcdBinaries.V3_7)};
        boolean minorStep = !EtcdBinaries.minor(versions[0]).equals(EtcdBinaries.minor(versions[1]));
        out(results, "| rep | method | direction | total s | restart-to-healthy sum s | elections | multi-endpoint writer: failed / retries / longest gap s | pinned writers: failed / longest gap s |");
        out(results, "|---|---|---|---|---|---|---|---|");
        if (minorStep) {
            for (int rep = 1; rep <= reps; rep++) {
                String[] order = rep % 2 == 1 ? new String[] {"upgrader", "rolling-update"} : new String[] {"rolling-update", "upgrader"};
                for (String method : order) {
                    try (SimulatedEtcd etcd = SimulatedEtcd.start(versions[0], 3, "RollingUpdate", Files.createTempDirectory(work, "rep"))) {
                        String line = rollout(etcd, method, versions[0], versions[1]);
                        out(results, "| " + rep + " | " + method + " | " + versions[0] + " -> " + versions[1] + " | " + line + " |");
                    }
                }
            }
            return;
        }
        int current = 0;
        try (SimulatedEtcd etcd = SimulatedEtcd.start(versions[0], 3, "RollingUpdate", work)) {
            for (int rep = 1; rep <= reps; rep++) {
                String[] order = rep % 2 == 1 ? new String[] {"upgrader", "rolling-update"} : new String[] {"rolling-update", "upgrader"};
                for (String method : order) {
                    String from = versions[current];
                    String to = versions[1 - current];
                    String line = rollout(etcd, method, from, to);
                    out(results, "| " + rep + " | " + method + " | " + from + " -> " + to + " | " + line + " |");
                    current = 1 - current;
                }
            }
        }
    }

    private static String rollout(SimulatedEtcd etcd, String method, String from, String to) throws Exception {
        etcd.awaitHealthy();
        long termBefore = etcd.raftTerm();
        List<Writer> pinned = new ArrayList<>();
        for (URI u : etcd.clientUrls()) {
            pinned.add(new Writer(List.of(u), 1));
        }
        Writer multi = new Writer(etcd.clientUrls(), 6);
        Thread.sleep(1000);
        long start = System.nanoTime();
        double healthySum = Double.NaN;
        if (method.equals("upgrader")) {
            SimulatedEtcd.Run run = etcd.upgrade("--to-version", to, "--skip-backup");
            if (run.exitCode() != 0) {
                throw new IllegalStateException("upgrader failed: " + run);
            }
            healthySum = 0;
            for (JsonNode m : run.report().path("members")) {
                healthySum += m.path("healthy-seconds").asDouble();
            }
        } else {
            etcd.sim.client().apps().statefulSets().withName("etcd").edit(s -> {
                s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(EtcdStatefulSets.image(to));
                return s;
            });
            Poll.until("rolled out", Duration.ofMinutes(5), () -> {
                var st = etcd.statefulSet().getStatus();
                return st != null && st.getUpdateRevision() != null && st.getUpdateRevision().equals(st.getCurrentRevision())
                        && Integer.valueOf(3).equals(st.getReadyReplicas()) && etcd.serverVersions().values().stream().allMatch(to::equals);
            }, () -> etcd.sim.describePods("etcd"));
            etcd.awaitHealthy();
        }
        double total = (System.nanoTime() - start) / 1e9;
        Thread.sleep(1000);
        multi.close();
        pinned.forEach(Writer::close);
        long elections = etcd.raftTerm() - termBefore;
        int pinnedFailed = pinned.stream().mapToInt(w -> w.failed).sum();
        double pinnedGap = pinned.stream().mapToDouble(Writer::longestGapSeconds).max().orElse(0);
        return String.format(Locale.ROOT, "%.1f | %s | %d | %d / %d / %.2f | %d / %.2f", total,
                Double.isNaN(healthySum) ? "-" : String.format(Locale.ROOT, "%.1f", healthySum), elections, multi.failed,
                multi.retries, multi.longestGapSeconds(), pinnedFailed, pinnedGap);
    }

    private static void out(Path results, String line) throws IOException {
        System.out.println(line);
        if (results != null) {
            Files.writeString(results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    /** Puts small keys one after another over single-endpoint clients, moving to the next after an error. */
    private static final class Writer {
        private final List<Client> clients = new ArrayList<>();
        private final int attempts;
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        volatile int failed;
        volatile int retries;
        private volatile long lastOk = System.nanoTime();
        private volatile long longestGap;

        Writer(List<URI> endpoints, int attempts) {
            endpoints.forEach(u -> clients.add(Client.builder().endpoints(u).build()));
            this.attempts = attempts;
            this.thread = new Thread(this::loop, "bench-writer");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            int endpoint = 0;
            long n = 0;
            while (!stop.get()) {
                String key = "/bench/" + Thread.currentThread().getId() + "/" + (n++ % 1000);
                boolean ok = false;
                for (int a = 0; a < attempts && !ok && !stop.get(); a++) {
                    try {
                        clients.get(endpoint).getKVClient().put(io.etcd.jetcd.ByteSequence.from(key, StandardCharsets.UTF_8),
                                io.etcd.jetcd.ByteSequence.from("v" + n, StandardCharsets.UTF_8))
                                .get(PUT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        ok = true;
                    } catch (Exception e) {
                        if (a + 1 < attempts) {
                            retries++;
                        }
                        endpoint = (endpoint + 1) % clients.size();
                    }
                }
                long now = System.nanoTime();
                if (ok) {
                    longestGap = Math.max(longestGap, now - lastOk);
                    lastOk = now;
                } else if (!stop.get()) {
                    failed++;
                    sleep(100);
                }
                sleep(10);
            }
        }

        double longestGapSeconds() {
            return longestGap / 1e9;
        }

        void close() {
            stop.set(true);
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            longestGap = Math.max(longestGap, System.nanoTime() - lastOk);
            clients.forEach(Client::close);
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
