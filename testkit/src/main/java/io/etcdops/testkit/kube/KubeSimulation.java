package io.etcdops.testkit.kube;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.controlplane.ControlPlane;
import io.etcdops.testkit.controlplane.Kubectl;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A small Kubernetes for tests: fabric8's mock API server in CRUD mode on 127.0.0.1, plus a StatefulSet controller,
 * a Job controller and a kubelet that run <b>real</b> etcd processes (and registered JVM mains) for the pods. See
 * {@code testkit/README.md} for what is real and what is simulated.
 *
 * <pre>{@code
 * try (KubeSimulation sim = KubeSimulation.start()) {
 *     sim.apply(getClass().getResourceAsStream("/kube/etcd-statefulset.yaml"));
 *     sim.awaitStatefulSetReady("etcd", Duration.ofSeconds(60));
 *     URI reachable = sim.resolve(URI.create("http://etcd-0.etcd.default.svc.cluster.local:2379"));
 * }
 * }</pre>
 */
public final class KubeSimulation implements AutoCloseable {
    public static final String DEFAULT_NAMESPACE = "default";
    static final String NODE_NAME = "simulated-node";
    private static final Logger LOG = LoggerFactory.getLogger(KubeSimulation.class);

    private final Path root;
    /** Exactly one of {@code mock} (fabric8's mock API) and {@code controlPlane} (the real one) is set. */
    private final MockApi mock;
    private final ControlPlane controlPlane;
    private final NodeAgent node;
    private final KubernetesClient client;
    private final String apiUrl;
    private final PodNetwork network;
    private final Volumes volumes;
    private final ContainerImages images = new ContainerImages();
    private List<String> unshare;
    private final Kubelet kubelet;
    private final StatefulSetController statefulSets;
    private final JobController jobs;
    private final ScheduledExecutorService loop;
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private volatile String lastLoopError;
    private volatile boolean closing;

    private KubeSimulation(Path root, ControlPlane controlPlane) throws IOException {
        this.root = root;
        this.controlPlane = controlPlane;
        if (controlPlane == null) {
            this.mock = new MockApi(root);
            this.apiUrl = mock.url();
            this.client = mock.client();
        } else {
            this.mock = null;
            this.apiUrl = controlPlane.server().toString();
            this.client = controlPlane.client();
        }
        this.network = new PodNetwork(root.resolve("hosts"));
        this.volumes = new Volumes(root.resolve("volumes"));
        this.node = controlPlane == null ? null : new NodeAgent(controlPlane, NODE_NAME, network, root.resolve("volumes").resolve("pv"));
        SimulationContext parts = new Parts();
        this.kubelet = new Kubelet(parts);
        // on the real control plane the real StatefulSet and Job controllers run in kube-controller-manager
        this.statefulSets = controlPlane == null ? new StatefulSetController(parts) : null;
        this.jobs = controlPlane == null ? new JobController(parts) : null;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kube-sim-controllers");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
    }

    /** Starts the API server and the controllers. Close it: every process is stopped and the folders removed. */
    public static KubeSimulation start() {
        try {
            return new KubeSimulation(Files.createTempDirectory("etcd-ops-kube-"), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same simulation on the <b>real</b> control plane ({@link ControlPlane#start()}: etcd 3.6, kube-apiserver,
     * kube-controller-manager with the real StatefulSet, Job and CronJob controllers): only the node is simulated,
     * by {@link NodeAgent} and the kubelet. Same accessors as {@link #start()}; {@link #client()} is the admin's.
     * Close it: the pods' processes, then the control plane are stopped.
     */
    public static KubeSimulation startOnControlPlane() {
        ControlPlane cp = ControlPlane.start();
        try {
            return new KubeSimulation(Files.createTempDirectory("etcd-ops-kube-"), cp);
        } catch (IOException | RuntimeException e) {
            cp.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** The real control plane under this simulation; fails on the mock-based one. */
    public ControlPlane controlPlane() {
        if (controlPlane == null) {
            throw new IllegalStateException("this simulation runs on fabric8's mock API server, not on a control plane "
                    + "(use KubeSimulation.startOnControlPlane())");
        }
        return controlPlane;
    }

    /**
     * A kubeconfig for processes outside the simulation (testkit's JobProcess, kubectl, helm), namespace
     * {@value #DEFAULT_NAMESPACE}: the mock's (no credentials), or the real control plane's admin.
     */
    public Path kubeconfig() {
        return controlPlane != null ? controlPlane.adminKubeconfig() : mock.kubeconfig(DEFAULT_NAMESPACE);
    }

    /** The node agent's own client (system:node:...), for tests of what the node may do. */
    KubernetesClient nodeClient() {
        controlPlane();
        return node.client();
    }

    /** True when started with {@link #startOnControlPlane()}. */
    public boolean onControlPlane() {
        return controlPlane != null;
    }

    private void tick() {
        try {
            if (node != null) {
                node.sync();
            }
            kubelet.sync();
            if (statefulSets != null) {
                statefulSets.sync();
                jobs.sync();
            }
            lastLoopError = null;
        } catch (RuntimeException e) {
            String msg = e.toString();
            if (!closing && !msg.equals(lastLoopError)) {
                LOG.warn("simulation controller tick failed (retrying): {}", msg, e);
            }
            lastLoopError = msg;
        }
    }

    // ---- API access ----

    /** A client of the mock API server, namespace {@value #DEFAULT_NAMESPACE}. */
    public KubernetesClient client() {
        return client;
    }

    /**
     * Test-side stand-in for what this kubelet does not do: publish the final status of a pod that is being deleted
     * but held by another finalizer (member-replacer's hold). For every such pod whose processes the kubelet has
     * already stopped (its own finalizer is gone), marks it Failed with terminated containers, as a real kubelet
     * would. Call it periodically; a failed update is retried on the next call.
     */
    public void publishFinalStatusOfPodsHeldBy(String finalizer) {
        if (controlPlane != null) {
            return; // the node agent posts a deleted pod's final status itself, as the kubelet does
        }
        mock.publishFinalStatusOfPodsHeldBy(finalizer);
    }

    /** The API server's URL (plain HTTP on 127.0.0.1 for the mock; HTTPS for the real control plane). */
    public String apiUrl() {
        return apiUrl;
    }

    /** Creates (or replaces) every object in a YAML/JSON stream, in {@value #DEFAULT_NAMESPACE} unless it names one. */
    public List<HasMetadata> apply(InputStream yaml) {
        List<HasMetadata> out = new ArrayList<>();
        try (InputStream in = yaml) {
            for (HasMetadata item : client.load(in).items()) {
                out.add(apply(item));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public <T extends HasMetadata> T apply(T item) {
        if (item.getMetadata().getNamespace() == null) {
            item.getMetadata().setNamespace(DEFAULT_NAMESPACE);
        }
        return client.resource(item).createOr(NonDeletingOperation::update);
    }

    /** What {@code kubectl create job NAME --from=cronjob/CRON} does; on the real control plane, the real kubectl. */
    public Job createJobFromCronJob(String cronJob, String jobName) {
        if (controlPlane != null) {
            Kubectl.run(controlPlane, "-n", DEFAULT_NAMESPACE, "create", "job", jobName, "--from=cronjob/" + cronJob);
            return client.batch().v1().jobs().withName(jobName).get();
        }
        return mock.createJobFromCronJob(cronJob, jobName);
    }

    // ---- what runs ----

    /** Register the JVM images (etcd-ops jobs) pods may use. */
    public ContainerImages images() {
        return images;
    }

    /** Everything the simulation could not run or do, e.g. a Bitnami script; empty when all went as simulated. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** The pid of a running container's process. */
    public Optional<Long> pid(String pod, String container) {
        return kubelet.runtime(DEFAULT_NAMESPACE, pod).flatMap(r -> r.pid(container));
    }

    /** A container's output so far (all its restarts), like {@code kubectl logs}. */
    public String logs(String pod, String container) {
        return kubelet.logFile(DEFAULT_NAMESPACE, pod, container).filter(Files::exists).map(p -> {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read " + p + ": " + e.getMessage() + ")";
            }
        }).orElse("");
    }

    // ---- network and storage ----

    /** Pod addresses and DNS names. */
    public PodNetwork network() {
        return network;
    }

    /** A pod's address (allocated on first use, stable for its name). */
    public String podIp(String pod) {
        return network.ipFor(DEFAULT_NAMESPACE, pod);
    }

    /**
     * The URL with a pod DNS name replaced by the pod's address: pass {@code sim::resolve} as core's
     * {@code EndpointResolver} in tests that run job code in the test JVM.
     */
    public URI resolve(URI url) {
        return network.resolve(url);
    }

    /** The host folder of a PersistentVolumeClaim in {@value #DEFAULT_NAMESPACE} (empty while no pod mounted it). */
    public Optional<Path> volumeDir(String claim) {
        var pvc = client.persistentVolumeClaims().withName(claim).get();
        if (pvc != null && node != null) {
            return node.existingClaimDir(pvc);
        }
        return pvc == null ? Optional.empty() : volumes.existingClaimDir(pvc.getMetadata().getUid());
    }

    /**
     * JVM options that let a process outside the simulation (e.g. testkit's JobProcess) resolve pod DNS names the
     * way the pods' JVMs do.
     */
    public List<String> jvmOptions() {
        return List.of("-Djdk.net.hosts.file=" + network.hostsFile(), "-Dsun.net.inetaddr.ttl=0", "-Dsun.net.inetaddr.negative.ttl=0");
    }

    // ---- waiting ----

    /**
     * Waits until the StatefulSet has rolled out: every replica exists on the update revision and is Ready. Fails at
     * once if one of its pods cannot run in the simulation.
     */
    public StatefulSet awaitStatefulSetReady(String name, Duration timeout) {
        Poll.until("StatefulSet " + name + " ready", timeout, () -> {
            StatefulSet s = client.apps().statefulSets().withName(name).get();
            if (s == null || s.getStatus() == null) {
                return false;
            }
            failOnPodErrors(n -> n.matches(java.util.regex.Pattern.quote(name) + "-\\d+"));
            int want = Optional.ofNullable(s.getSpec().getReplicas()).orElse(1);
            var st = s.getStatus();
            return s.getMetadata().getGeneration().equals(st.getObservedGeneration())
                    && Optional.ofNullable(st.getReadyReplicas()).orElse(0) == want
                    && Optional.ofNullable(st.getReplicas()).orElse(0) == want
                    && Optional.ofNullable(st.getUpdatedReplicas()).orElse(0) == want
                    && st.getUpdateRevision().equals(st.getCurrentRevision());
        }, () -> describePods(name));
        return client.apps().statefulSets().withName(name).get();
    }

    public Pod awaitPodReady(String pod, Duration timeout) {
        Poll.until("pod " + pod + " Ready", timeout, () -> {
            failOnPodErrors(pod::equals);
            Pod p = client.pods().withName(pod).get();
            return p != null && p.getMetadata().getDeletionTimestamp() == null && StatefulSetController.ready(p);
        }, () -> describePods(pod));
        return client.pods().withName(pod).get();
    }

    /** Waits until the pod object with this uid is gone (deleted and its processes stopped). */
    public void awaitPodGone(String pod, String uid, Duration timeout) {
        Poll.until("pod " + pod + " (uid " + uid + ") gone", timeout, () -> {
            Pod p = client.pods().withName(pod).get();
            return p == null || !p.getMetadata().getUid().equals(uid);
        }, () -> describePods(pod));
    }

    /** Waits for a Job to complete or fail and returns it. */
    public Job awaitJobFinished(String name, Duration timeout) {
        Poll.until("Job " + name + " finished", timeout, () -> {
            Job j = client.batch().v1().jobs().withName(name).get();
            return j != null && j.getStatus() != null && JobController.finished(j.getStatus());
        }, () -> describePods(name));
        return client.batch().v1().jobs().withName(name).get();
    }

    private void failOnPodErrors(java.util.function.Predicate<String> podName) {
        for (Pod p : client.pods().list().getItems()) {
            if (podName.test(p.getMetadata().getName())) {
                List<String> errs = kubelet.errorsOf(DEFAULT_NAMESPACE, p.getMetadata().getName());
                if (!errs.isEmpty()) {
                    throw new UnsupportedContainerException(errs.get(0));
                }
            }
        }
    }

    /** Pods whose name starts with {@code prefix}: phase, readiness, container states and log tails. */
    public String describePods(String prefix) {
        StringBuilder sb = new StringBuilder();
        for (Pod p : client.pods().list().getItems()) {
            if (!p.getMetadata().getName().startsWith(prefix)) {
                continue;
            }
            sb.append("pod ").append(p.getMetadata().getName()).append(" uid=").append(p.getMetadata().getUid())
                    .append(p.getMetadata().getDeletionTimestamp() != null ? " Terminating" : "")
                    .append(" phase=").append(p.getStatus() == null ? "-" : p.getStatus().getPhase())
                    .append(" ready=").append(StatefulSetController.ready(p)).append('\n');
            if (p.getStatus() != null) {
                p.getStatus().getContainerStatuses().forEach(cs -> sb.append("  ").append(cs.getName()).append(": ")
                        .append(Serialization.asJson(cs.getState())).append(" restarts=").append(cs.getRestartCount()).append('\n'));
            }
            for (var c : p.getSpec().getContainers()) {
                String log = logs(p.getMetadata().getName(), c.getName());
                String[] lines = log.split("\n");
                sb.append("  log ").append(c.getName()).append(" (last lines):\n");
                for (int i = Math.max(0, lines.length - 8); i < lines.length; i++) {
                    sb.append("    ").append(lines[i]).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** The simulation's parts as its controllers see them. */
    private final class Parts implements SimulationContext {
        @Override
        public KubernetesClient client() {
            return node == null ? client : node.client();
        }

        @Override
        public boolean onControlPlane() {
            return node != null;
        }

        @Override
        public List<Pod> podsOnNode() {
            return node == null ? client.pods().inAnyNamespace().list().getItems() : node.pods();
        }

        @Override
        public java.nio.file.Path claimDir(io.fabric8.kubernetes.api.model.PersistentVolumeClaim pvc) {
            return node == null ? volumes.claimDir(pvc) : node.claimDir(pvc);
        }

        @Override
        public Map<String, String> serviceEnv() {
            return node == null ? Map.of() : node.serviceEnv();
        }

        @Override
        public String serviceAccountToken(Pod pod, String audience, Long expirationSeconds) {
            return node == null ? SimulationContext.super.serviceAccountToken(pod, audience, expirationSeconds)
                    : node.serviceAccountToken(pod, audience, expirationSeconds);
        }

        @Override
        public PodNetwork network() {
            return network;
        }

        @Override
        public Volumes volumes() {
            return volumes;
        }

        @Override
        public ContainerImages images() {
            return images;
        }

        @Override
        public Path root() {
            return root;
        }

        @Override
        public Path logsDir() {
            return root.resolve("logs");
        }

        @Override
        public synchronized List<String> unshareCommand() {
            // probed on first use, so tests that only use the API run where namespaces are not available
            if (unshare == null) {
                unshare = MountNamespaces.probeUnshare(root);
            }
            return unshare;
        }

        @Override
        public Path kubeconfig(String namespace) {
            if (node != null) {
                return null; // in-cluster config: the pod's ServiceAccount token
            }
            return mock.kubeconfig(namespace);
        }

        @Override
        public void reportError(String message) {
            LOG.error("simulation: {}", message);
            errors.add(message);
        }
    }

    /** {@code -Detcdops.kube.hold=SECONDS}: keep a control-plane simulation up that long before closing, to look at it. */
    private void holdForDebugging() {
        long seconds = Long.getLong("etcdops.kube.hold", 0L);
        if (controlPlane == null || seconds <= 0) {
            return;
        }
        LOG.warn("holding the simulation for {} s (etcdops.kube.hold): {} --kubeconfig {} get pods -A -o wide", seconds,
                controlPlane.kubectl(), controlPlane.adminKubeconfig());
        try {
            Thread.sleep(seconds * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        holdForDebugging();
        closing = true;
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kubelet.stopAll();
        if (controlPlane != null) {
            node.close();
            controlPlane.close();
        } else {
            mock.close();
        }
        if (!Boolean.getBoolean("etcdops.kube.keep")) {
            Volumes.deleteTree(root);
        } else {
            LOG.info("kept simulation folder {}", root);
        }
    }
}
