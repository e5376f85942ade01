package io.etcdops.replacer;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An etcd StatefulSet (etcd's docs, flag style, {@code --initial-cluster-state=new}) running real etcd in testkit's
 * Kubernetes simulation, with what the replacer's tests need around it: freezing a member, a client writing throughout,
 * and the replacer run in this JVM through the simulation's resolver.
 *
 * <p>One stand-in for a missing piece of the simulation: its kubelet releases a deleted pod without reporting the
 * pod's final status, while a real kubelet reports the stopped containers (and a terminal phase) and then issues the
 * final delete. The replacer waits for exactly that signal on the pod it holds with a finalizer, so
 * {@link KubeSimulation#publishFinalStatusOfPodsHeldBy} writes it, once the simulation's kubelet has really stopped the processes
 * (its own finalizer gone). Reported to testkit's owner.
 */
final class SimulatedEtcd implements AutoCloseable {
    static final String IMAGE = MemberReplacer.DEFAULT_IMAGE_REPOSITORY + ":test";
    static final Duration UP = Duration.ofSeconds(120);

    final KubeSimulation sim;
    private final ScheduledExecutorService shim = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "final-pod-status");
        t.setDaemon(true);
        return t;
    });
    private final List<Long> frozen = new CopyOnWriteArrayList<>();

    SimulatedEtcd(String version) {
        this(version, "Parallel");
    }

    /** @param podManagementPolicy {@code Parallel} (etcd's docs) or {@code OrderedReady} */
    SimulatedEtcd(String version, String podManagementPolicy) {
        sim = KubeSimulation.start();
        try {
            sim.images().registerJvmMain(MemberReplacer.DEFAULT_IMAGE_REPOSITORY, MemberReplacer.class.getName());
            EtcdStatefulSets.flagStyle().version(version).podManagementPolicy(podManagementPolicy).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            shim.scheduleWithFixedDelay(() -> sim.publishFinalStatusOfPodsHeldBy(PodHold.FINALIZER), 200, 200, TimeUnit.MILLISECONDS);
        } catch (RuntimeException | Error e) {
            sim.close();
            throw e;
        }
    }

    /** A kubeconfig for a process outside the simulation (the CLI in its own JVM). */
    java.nio.file.Path kubeconfig() throws java.io.IOException {
        java.nio.file.Path p = java.nio.file.Files.createTempFile("replacer-kubeconfig-", ".yaml");
        p.toFile().deleteOnExit();
        return java.nio.file.Files.writeString(p, "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {server: '"
                + sim.apiUrl() + "'}\ncontexts:\n- name: sim\n  context: {cluster: sim, namespace: default, user: sim}\n"
                + "current-context: sim\nusers:\n- name: sim\n  user: {}\n");
    }

    KubernetesClient k() {
        return sim.client();
    }


    /** SIGSTOP: the member's process stays, but answers nothing (a hung disk, a frozen VM). */
    void freeze(String pod) {
        long pid = sim.pid(pod, "etcd").orElseThrow();
        signal("-STOP", pid);
        frozen.add(pid);
    }

    void thaw(String pod) {
        long pid = sim.pid(pod, "etcd").orElseThrow();
        signal("-CONT", pid);
        frozen.remove(pid);
    }

    private static void signal(String sig, long pid) {
        try {
            Process p = new ProcessBuilder("kill", sig, String.valueOf(pid)).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill " + sig + " " + pid + " failed");
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    URI clientUrl(String pod) {
        return sim.resolve(URI.create("http://" + pod + ".etcd:2379"));
    }

    Client client(String... pods) {
        return Client.builder().endpoints(java.util.Arrays.stream(pods).map(this::clientUrl).toArray(URI[]::new)).build();
    }

    static ReplacerSettings settings(Duration grace, String member, boolean dryRun) {
        EtcdConnectionConfig c = new EtcdConnectionConfig(List.of(URI.create("http://127.0.0.1:2379")), null, null, null, null, null,
                Duration.ofSeconds(2), Duration.ofSeconds(3));
        return new ReplacerSettings(c, grace, Optional.ofNullable(member), dryRun, IMAGE, Duration.ofMinutes(4),
                Duration.ofMinutes(1), Optional.empty());
    }

    /** One replacer run in this JVM, as the CLI would do it, with the simulation's resolver. */
    MemberReplacement.Outcome replace(String identity, ReplacerSettings s, StepListener listener, JobReport report) {
        return new MemberReplacement(k(), sim::resolve, s, "default", "etcd", TargetOverrides.none(), identity, listener).run(report);
    }

    Map<String, String> podUids() {
        Map<String, String> out = new HashMap<>();
        for (Pod p : k().pods().list().getItems()) {
            out.put(p.getMetadata().getName(), p.getMetadata().getUid());
        }
        return out;
    }

    /**
     * Puts a key, retrying for up to 30 s: right after a member is frozen the rest may first have to elect a leader
     * (etcd answers "request timed out, possibly due to previous leader failure"). Succeeds only if they have quorum.
     */
    static void putWithQuorum(Client c, String key, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                c.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    static String get(Client c, String key) throws Exception {
        var r = c.getKVClient().get(bytes(key), GetOption.builder().withSerializable(true).build()).get(10, TimeUnit.SECONDS);
        return r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Puts a key every 50 ms through the given members until closed; counts what failed. */
    static final class Writer implements AutoCloseable {
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final Client client;
        private final Thread thread;
        private volatile boolean stop;

        Writer(Client client) {
            this.client = client;
            this.thread = new Thread(this::loop, "test-writer");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            int i = 0;
            while (!stop) {
                String key = "/writer/" + (i++ % 500);
                try {
                    put(key, i);
                } catch (Exception first) {
                    // one retry, as any client does (kube-apiserver included): a put that waited out a membership
                    // change on a loaded 2-core machine is not a lost write; a second failure is counted
                    try {
                        put(key, i);
                    } catch (Exception e) {
                        failures.add(java.time.Instant.now() + " " + e);
                    }
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void put(String key, int i) throws Exception {
            client.getKVClient().put(bytes(key), bytes("v" + i)).get(5, TimeUnit.SECONDS);
            ok.incrementAndGet();
        }

        @Override
        public void close() throws Exception {
            stop = true;
            thread.join(10_000);
            client.close();
        }
    }

    @Override
    public void close() {
        shim.shutdownNow();
        for (Long pid : new ArrayList<>(frozen)) {
            try {
                signal("-CONT", pid);
            } catch (RuntimeException e) {
                // already gone
            }
        }
        sim.close();
    }
}
