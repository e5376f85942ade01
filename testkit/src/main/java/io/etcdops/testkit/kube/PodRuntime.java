package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One pod on the simulated node: init containers in order, each to completion, then the main containers, restarted
 * per {@code restartPolicy} with a short backoff; readiness from {@link Probes}; on deletion every process gets
 * SIGTERM and, after the grace period (at most 10 s here), SIGKILL. Its state is read by the {@link Kubelet}, which
 * alone writes pod status.
 */
final class PodRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(PodRuntime.class);
    private static final Duration TICK = Duration.ofMillis(200);
    private static final Duration PROBE_PERIOD = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final SimulationContext sim;
    private final Pod pod;
    private final String ip;
    private final String restartPolicy;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Thread thread;
    private final Instant startTime = now();
    private volatile boolean stopRequested;
    private volatile Long deletionGraceSeconds;
    private volatile boolean terminated;
    private volatile String phase = "Pending";
    private volatile boolean initialized;
    private volatile String error;

    /** One container's runtime state. */
    private static final class Slot {
        final Container container;
        final boolean init;
        ContainerLaunch launch;
        ContainerProcess process;
        int restarts;
        Instant startedAt;
        Instant restartAt;
        String waitingReason = "ContainerCreating";
        String waitingMessage;
        ContainerState lastTerminated;
        ContainerState terminated;
        volatile boolean ready;
        int probeFailures;
        Instant nextProbe = Instant.EPOCH;
        int livenessFailures;
        Instant nextLivenessProbe = Instant.EPOCH;

        Slot(Container container, boolean init) {
            this.container = container;
            this.init = init;
        }
    }

    PodRuntime(SimulationContext sim, Pod pod, String ip) {
        this.sim = sim;
        this.pod = pod;
        this.ip = ip;
        this.restartPolicy = Optional.ofNullable(pod.getSpec().getRestartPolicy()).orElse("Always");
        pod.getSpec().getInitContainers().forEach(c -> slots.put(c.getName(), new Slot(c, true)));
        pod.getSpec().getContainers().forEach(c -> slots.put(c.getName(), new Slot(c, false)));
        this.thread = new Thread(this::run, "kube-sim-pod-" + pod.getMetadata().getName());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String namespace() {
        return pod.getMetadata().getNamespace();
    }

    String name() {
        return pod.getMetadata().getName();
    }

    String uid() {
        return pod.getMetadata().getUid();
    }

    /**
     * Asks the pod to stop with the grace period of its deletion (null: the pod's
     * {@code terminationGracePeriodSeconds}); {@link #terminated()} turns true once every process is gone.
     */
    void requestStop(Long deletionGraceSeconds) {
        if (deletionGraceSeconds != null && this.deletionGraceSeconds == null) {
            this.deletionGraceSeconds = deletionGraceSeconds;
        }
        requestStop();
    }

    /** Asks the pod to stop; {@link #terminated()} turns true once every process is gone. */
    void requestStop() {
        stopRequested = true;
        thread.interrupt();
    }

    boolean terminated() {
        return terminated;
    }

    /** Why the pod cannot run (an unsupported container), or null. */
    String error() {
        return error;
    }

    synchronized Optional<Long> pid(String container) {
        Slot s = slots.get(container);
        return s == null || s.process == null || !s.process.alive() ? Optional.empty() : Optional.of(s.process.pid());
    }

    Path logFile(String container) {
        return sim.logsDir().resolve(namespace() + "_" + name() + "_" + Volumes.shortUid(uid()) + "_" + container + ".log");
    }

    private void run() {
        try {
            PodSandbox sandbox = new PodSandbox(sim, pod, ip);
            if (!setUp(sandbox)) {
                return;
            }
            for (Slot s : slots.values()) {
                if (s.init && !runToCompletion(s)) {
                    return;
                }
            }
            initialized = true;
            synchronized (this) {
                phase = "Running";
                for (Slot s : slots.values()) {
                    if (!s.init) {
                        startContainer(s);
                    }
                }
            }
            superviseMainContainers();
        } catch (InterruptedException e) {
            // pod deleted
        } catch (RuntimeException e) {
            fail("pod " + name() + ": " + e);
            LOG.error("simulated pod {}/{} crashed", namespace(), name(), e);
        } finally {
            stopAll();
            terminated = true;
        }
    }

    /** Resolves volumes and every container's launch; retries config errors, gives up on unsupported ones. */
    private boolean setUp(PodSandbox sandbox) throws InterruptedException {
        while (!stopRequested) {
            try {
                sandbox.prepareVolumes();
                for (Slot s : slots.values()) {
                    s.launch = ContainerLaunch.of(s.container, sandbox, sim.images(), ip, sim.root(), sim.onControlPlane());
                }
                return true;
            } catch (ContainerConfigException e) {
                setWaiting(ContainerConfigException.REASON, e.getMessage());
                Thread.sleep(1000);
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                // e.g. the Node authorizer has not yet seen the binding that lets this node read the pod's Secrets
                setWaiting(ContainerConfigException.REASON, "API: " + e.getCode() + " " + e.getMessage());
                Thread.sleep(1000);
            } catch (UnsupportedContainerException e) {
                setWaiting(UnsupportedContainerException.REASON, e.getMessage());
                fail("pod " + namespace() + "/" + name() + ": " + e.getMessage());
                while (!stopRequested) {
                    Thread.sleep(TICK.toMillis());
                }
                return false;
            }
        }
        return false;
    }

    private boolean runToCompletion(Slot s) throws InterruptedException {
        while (true) {
            synchronized (this) {
                startContainer(s);
            }
            while (s.process.alive()) {
                Thread.sleep(TICK.toMillis());
            }
            int code = recordExit(s);
            if (code == 0) {
                return true;
            }
            if (restartPolicy.equals("Never")) {
                phase = "Failed";
                return false;
            }
            Thread.sleep(backoff(s).toMillis());
            s.restarts++;
        }
    }

    private void superviseMainContainers() throws InterruptedException {
        while (!stopRequested) {
            boolean anyAlive = false;
            boolean anyPending = false;
            for (Slot s : mainSlots()) {
                if (s.process != null && s.process.alive()) {
                    anyAlive = true;
                    probe(s);
                    continue;
                }
                if (s.process != null && s.terminated == null) {
                    int code = recordExit(s);
                    if (restartPolicy.equals("Always") || (restartPolicy.equals("OnFailure") && code != 0)) {
                        s.restartAt = now().plus(backoff(s));
                        s.waitingReason = "CrashLoopBackOff";
                        s.waitingMessage = "back-off restarting container " + s.container.getName();
                    }
                }
                if (s.restartAt != null) {
                    anyPending = true;
                    if (!now().isBefore(s.restartAt)) {
                        synchronized (this) {
                            s.restarts++;
                            startContainer(s);
                        }
                        anyAlive = true;
                    }
                }
            }
            if (!anyAlive && !anyPending) {
                boolean allZero = mainSlots().stream().allMatch(s -> s.terminated != null
                        && s.terminated.getTerminated().getExitCode() == 0);
                phase = allZero ? "Succeeded" : "Failed";
                return;
            }
            Thread.sleep(TICK.toMillis());
        }
    }

    private void startContainer(Slot s) {
        if (s.terminated != null) {
            s.lastTerminated = s.terminated;
            s.terminated = null;
        }
        s.restartAt = null;
        s.ready = false;
        s.probeFailures = 0;
        s.nextProbe = Instant.EPOCH;
        s.livenessFailures = 0;
        s.nextLivenessProbe = s.launch.liveness().isEmpty() ? Instant.EPOCH : now().plusSeconds(
                Optional.ofNullable(s.container.getLivenessProbe().getInitialDelaySeconds()).orElse(0));
        try {
            List<String> unshare = s.launch.program() instanceof ContainerImages.EtcdExec ? sim.unshareCommand() : List.of();
            s.process = ContainerProcess.start(s.launch.program(), s.launch.env(), s.launch.workDir(),
                    logFile(s.container.getName()), sim.network().hostsFile(), unshare, sim.kubeconfig(namespace()));
            s.startedAt = now();
            s.waitingReason = null;
            s.waitingMessage = null;
        } catch (UnsupportedContainerException e) {
            s.waitingReason = UnsupportedContainerException.REASON;
            s.waitingMessage = e.getMessage();
            fail("pod " + namespace() + "/" + name() + ": " + e.getMessage());
            throw e;
        }
    }

    private synchronized int recordExit(Slot s) {
        OptionalInt code = s.process.exitCode();
        int c = code.orElse(-1);
        s.ready = false;
        s.terminated = new ContainerStateBuilder().withNewTerminated().withExitCode(c)
                .withReason(c == 0 ? "Completed" : "Error").withStartedAt(ts(s.startedAt)).withFinishedAt(ts(now()))
                .endTerminated().build();
        return c;
    }

    /**
     * A liveness probe (real control plane only) runs at its own {@code periodSeconds} after
     * {@code initialDelaySeconds}, as the kubelet's does; after {@code failureThreshold} failures the container is
     * stopped (SIGTERM, grace, SIGKILL) and restarted per the pod's {@code restartPolicy}.
     */
    private void probeLiveness(Slot s) {
        if (s.launch.liveness().isEmpty() || now().isBefore(s.nextLivenessProbe)) {
            return;
        }
        var p = s.container.getLivenessProbe();
        s.nextLivenessProbe = now().plusSeconds(Math.max(1, Optional.ofNullable(p.getPeriodSeconds()).orElse(10)));
        if (s.launch.liveness().get().ready()) {
            s.livenessFailures = 0;
        } else if (++s.livenessFailures >= Optional.ofNullable(p.getFailureThreshold()).filter(t -> t > 0).orElse(3)) {
            LOG.info("pod {}/{} container {}: liveness probe failed {} times, restarting it", namespace(), name(),
                    s.container.getName(), s.livenessFailures);
            long grace = Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds()).orElse(30L);
            s.process.stop(Duration.ofSeconds(Math.max(1, Math.min(grace, 10))));
        }
    }

    private void probe(Slot s) {
        probeLiveness(s);
        if (!s.process.alive()) {
            return;
        }
        if (now().isBefore(s.nextProbe)) {
            return;
        }
        s.nextProbe = now().plus(PROBE_PERIOD);
        if (s.launch.readiness().isEmpty()) {
            s.ready = true;
            return;
        }
        boolean ok = s.launch.readiness().get().ready();
        if (ok) {
            s.probeFailures = 0;
            s.ready = true;
        } else {
            int threshold = Optional.ofNullable(s.container.getReadinessProbe()).map(p -> p.getFailureThreshold())
                    .filter(t -> t != null && t > 0).orElse(3);
            if (++s.probeFailures >= threshold || !s.ready) {
                s.ready = false;
            }
        }
    }

    private Duration backoff(Slot s) {
        long seconds = Math.min(MAX_BACKOFF.toSeconds(), 1L << Math.min(s.restarts, 4));
        return Duration.ofSeconds(seconds);
    }

    private List<Slot> mainSlots() {
        return slots.values().stream().filter(s -> !s.init).toList();
    }

    private void stopAll() {
        long graceSeconds = Optional.ofNullable(deletionGraceSeconds)
                .or(() -> Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds())).orElse(30L);
        Duration grace = Duration.ofSeconds(Math.max(1, Math.min(graceSeconds, 10)));
        List<Slot> alive;
        synchronized (this) {
            alive = slots.values().stream().filter(s -> s.process != null && s.process.alive()).toList();
        }
        alive.parallelStream().forEach(s -> s.process.stop(grace));
        synchronized (this) {
            for (Slot s : alive) {
                recordExit(s);
            }
        }
    }

    private synchronized void setWaiting(String reason, String message) {
        for (Slot s : slots.values()) {
            s.waitingReason = reason;
            s.waitingMessage = message;
        }
    }

    private void fail(String message) {
        if (error == null) {
            error = message;
            sim.reportError(message);
        }
    }

    /** The pod's status as the kubelet reports it. */
    synchronized PodStatus status() {
        List<ContainerStatus> init = new ArrayList<>();
        List<ContainerStatus> main = new ArrayList<>();
        for (Slot s : slots.values()) {
            (s.init ? init : main).add(containerStatus(s));
        }
        boolean containersReady = initialized && mainSlots().stream().allMatch(s -> s.ready && s.process != null && s.process.alive());
        String t = ts(startTime);
        List<PodCondition> conditions = List.of(
                condition("PodScheduled", true, t),
                condition("Initialized", initialized, t),
                condition("ContainersReady", containersReady, t),
                condition("Ready", containersReady, t));
        return new PodStatusBuilder().withPhase(phase).withPodIP(ip).withPodIPs(new PodIP(ip)).withHostIP("127.0.0.1")
                .withStartTime(t).withConditions(conditions).withInitContainerStatuses(init).withContainerStatuses(main).build();
    }

    private ContainerStatus containerStatus(Slot s) {
        ContainerState state;
        if (s.process != null && s.process.alive()) {
            state = new ContainerStateBuilder().withNewRunning().withStartedAt(ts(s.startedAt)).endRunning().build();
        } else if (s.waitingReason != null) {
            state = new ContainerStateBuilder().withNewWaiting().withReason(s.waitingReason).withMessage(s.waitingMessage)
                    .endWaiting().build();
        } else if (s.terminated != null) {
            state = s.terminated;
        } else {
            state = new ContainerStateBuilder().withNewWaiting().withReason("PodInitializing").endWaiting().build();
        }
        boolean running = s.process != null && s.process.alive();
        return new ContainerStatusBuilder().withName(s.container.getName()).withImage(s.container.getImage())
                .withImageID(s.container.getImage()).withReady(s.ready && running).withStarted(running)
                .withRestartCount(s.restarts).withState(state).withLastState(s.lastTerminated).build();
    }

    private static PodCondition condition(String type, boolean status, String time) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False").withLastTransitionTime(time).build();
    }

    private static Instant now() {
        return Instant.now();
    }

    static String ts(Instant i) {
        return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
