package io.etcdops.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.KubernetesEnvironment;
import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The Kubernetes restore, step by step, each step recorded on the StatefulSet ({@link ProgressRecord}) so a retried
 * job resumes from the real state instead of repeating work: verify the snapshot here first (nothing is touched if it
 * is bad) -> scale to 0 -> one restore pod per member volume -> scale back -> verify -> clean up.
 */
final class KubernetesRestore {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesRestore.class);
    private static final String OPERATION = "restore";

    private final KubernetesRestoreCommand opts;
    private final JobReport report;

    KubernetesRestore(KubernetesRestoreCommand opts, JobReport report) {
        this.opts = opts;
        this.report = report;
    }

    void run() throws Exception {
        KubernetesEnvironment env = KubernetesEnvironment.current();
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            String ns = opts.target().namespace != null && !opts.target().namespace.isBlank() ? opts.target().namespace
                    : env.podNamespace().orElse(client.getNamespace() == null ? "default" : client.getNamespace());
            StatefulSetTarget t = StatefulSetTarget.discover(client, ns, opts.target().statefulSet, opts.target().toOverrides());
            LOG.info("target: {}", t.describe());
            String identity = env.identity();
            ProgressRecord record = ProgressRecord.of(client, t);
            Optional<ProgressRecord.Progress> prior = record.read().filter(p -> OPERATION.equals(p.operation()));
            prior.ifPresent(p -> {
                LOG.info("resuming restore run {} (phase {}, done {})", p.runId(), p.phase(), p.completedSteps());
                opts.source().snapshot = p.data().get("snapshot");
                opts.source().before = null;
            });
            if (opts.dryRun()) {
                plan(client, t, prior, env);
                return;
            }
            ClusterLease lock = new ClusterLease(client, t.namespace(), t.name(), identity, opts.leaseDuration());
            try (ClusterLease.Held lease = lock.acquire(OPERATION)) {
                execute(client, t, prior, env, record, identity, lease);
            }
        }
    }

    private void execute(KubernetesClient client, StatefulSetTarget t, Optional<ProgressRecord.Progress> prior,
                         KubernetesEnvironment env, ProgressRecord record, String identity, ClusterLease.Held lease) throws Exception {
        KubernetesEvents events = KubernetesEvents.on(client, t, "etcd-ops-restore", identity);
        SnapshotSourceOptions.LocalSnapshot snap = verifiedSnapshot();
        StorageVersionGuard.require(snap.name(), snap.contents(), t.requireImageVersion(),
                "set the StatefulSet's etcd image to that version and run this restore again");
        int replicas = prior.map(p -> Integer.parseInt(p.data().get("replicas"))).orElse(t.replicas());
        if (replicas <= 0) {
            throw JobException.usage("StatefulSet " + t.name() + " has 0 replicas and no restore in progress: scale it to its "
                    + "member count first so the restore knows how many members to restore");
        }
        if (prior.isEmpty() && !opts.force() && clusterHealthy(t)) {
            throw JobException.refused("the etcd cluster of StatefulSet " + t.name() + " is healthy: a restore rewinds it to "
                    + snap.name() + " and loses every later write; pass --force if that is what you want");
        }
        ProgressRecord.Progress progress = prior.orElseGet(() -> ProgressRecord.Progress.start(OPERATION, runId(env), identity)
                .with("snapshot", snap.name()).with("replicas", String.valueOf(replicas))
                .with("token", "etcd-ops-restore-" + snap.name().replaceAll("[^A-Za-z0-9-]", "-").toLowerCase())
                .with("stamp", opts.stamp() != null ? opts.stamp() : stamp()));
        report.put("snapshot-uri", snap.uri()).put("snapshot-name", snap.name()).put("replicas", replicas)
                .put("storage-version", snap.contents().storageVersion())
                .put("run-id", progress.runId()).put("resumed", prior.isPresent());
        progress = record.write(progress.withPhase("scaling-down"), identity);
        if (prior.isEmpty()) {
            events.warning("RestoreStarted", "restoring " + replicas + " members from " + snap.name() + "; the StatefulSet is scaled to 0");
        }
        scaleAndWaitGone(client, t, replicas);
        lease.ensureHeld();

        progress = record.write(progress.withPhase("restoring-members"), identity);
        RestorePodSpec.Settings settings = podSettings(client, env, progress);
        ProgressRecord.Progress current = progress;
        List<Integer> todo = new ArrayList<>();
        List<String> doneByEarlierPods = new ArrayList<>();
        for (int i : IntStream.range(0, replicas).filter(i -> !current.completed("member-" + i)).boxed().toList()) {
            String name = RestorePodSpec.podName(t, i);
            Pod existing = client.pods().inNamespace(t.namespace()).withName(name).get();
            if (existing != null && progress.runId().equals(existing.getMetadata().getLabels().get(RestorePodSpec.RUN_LABEL))
                    && existing.getStatus() != null && "Succeeded".equals(existing.getStatus().getPhase())) {
                // this run's pod finished after the job that started it was killed, before it could record it
                progress = record.write(progress(record).withCompleted("member-" + i), identity);
                doneByEarlierPods.add(t.podName(i));
                LOG.info("member {} was restored by {} of this run before the previous job stopped", t.podName(i), name);
                continue;
            }
            if (existing != null) {
                client.pods().inNamespace(t.namespace()).withName(name).delete();
                waitUntil(() -> client.pods().inNamespace(t.namespace()).withName(name).get() == null, "old restore pod " + name + " gone");
            }
            client.pods().inNamespace(t.namespace()).resource(RestorePodSpec.build(t, i, replicas, settings)).create();
            LOG.info("started restore pod {} for member {}", name, t.podName(i));
            todo.add(i);
        }
        report.put("restored-this-run", todo.stream().map(t::podName).toList());
        report.put("restored-by-earlier-pods", doneByEarlierPods);
        List<String> failures = new ArrayList<>();
        for (int i : todo) {
            Pod done = waitForPod(client, t, RestorePodSpec.podName(t, i));
            if ("Succeeded".equals(done.getStatus().getPhase())) {
                progress = record.write(progress(record).withCompleted("member-" + i), identity);
            } else {
                failures.add(RestorePodSpec.podName(t, i) + ": " + why(done));
            }
        }
        lease.ensureHeld();
        if (!failures.isEmpty()) {
            String msg = "restore pod(s) failed: " + String.join("; ", failures) + ". The StatefulSet stays at 0 replicas and "
                    + "old data is intact; fix the cause and rerun the same job to resume";
            events.warning("RestoreFailed", msg);
            throw JobException.failed(msg);
        }

        progress = record.write(progress(record).withPhase("scaling-up"), identity);
        client.apps().statefulSets().inNamespace(t.namespace()).withName(t.name()).scale(replicas);
        verify(t, snap, replicas);
        events.normal("RestoreSucceeded", "restored " + replicas + " members from " + snap.name() + " (revision "
                + report.get("restored-revision") + "); restart every kube-apiserver that uses this etcd");
        client.pods().inNamespace(t.namespace()).withLabel(RestorePodSpec.RUN_LABEL, progress.runId()).delete();
        record.clear();
        report.put("next-steps", "restart every kube-apiserver using this etcd (their watch caches hold pre-restore revisions); "
                + "old data was moved to .etcd-ops-bak-" + progress.data().get("stamp") + " on each volume");
    }

    /** Fetches and verifies the snapshot here, before anything is touched; the local copy is not kept. */
    private SnapshotSourceOptions.LocalSnapshot verifiedSnapshot() throws java.io.IOException {
        Path file = Files.createDirectories(opts.workDir()).resolve("etcd-ops-k8s-restore-" + stamp() + ".db");
        try {
            return opts.source().resolve(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static ProgressRecord.Progress progress(ProgressRecord record) {
        return record.read().orElseThrow(() -> JobException.failed("the restore's progress record vanished from the StatefulSet"));
    }

    private RestorePodSpec.Settings podSettings(KubernetesClient client, KubernetesEnvironment env, ProgressRecord.Progress p) {
        Optional<Pod> self = env.inCluster() ? Optional.ofNullable(client.pods().withName(env.identity()).get()) : Optional.empty();
        String image = opts.restoreImage() != null ? opts.restoreImage()
                : self.map(s -> s.getSpec().getContainers().get(0).getImage()).orElse(KubernetesRestoreCommand.defaultImage());
        // the job's env carries the store credentials; the snapshot choice is pinned by the args, never by copied env
        List<String> pinnedByArgs = List.of("ETCD_OPS_SNAPSHOT", "ETCD_OPS_BEFORE", "ETCD_OPS_FROM", "ETCD_OPS_OUTPUT_DIR");
        List<EnvVar> envVars = self.map(s -> s.getSpec().getContainers().get(0).getEnv()).orElse(List.<EnvVar>of()).stream()
                .filter(e -> !pinnedByArgs.contains(e.getName())).toList();
        List<EnvFromSource> envFrom = self.map(s -> s.getSpec().getContainers().get(0).getEnvFrom()).orElse(List.of());
        List<String> fetchArgs = new ArrayList<>(opts.source().store.toArgs());
        fetchArgs.addAll(List.of("--cluster-name", opts.source().cluster.get(), "--snapshot", p.data().get("snapshot")));
        if (opts.source().encryption.file != null) {
            fetchArgs.addAll(List.of("--encryption-key-file", opts.source().encryption.file.toString()));
        }
        JobPodFiles files = self.map(JobPodFiles::of).orElse(JobPodFiles.none());
        return new RestorePodSpec.Settings(image, opts.restoreServiceAccount(), fetchArgs, envVars, envFrom, files, p.data().get("token"),
                opts.bumpRevision(), p.data().get("stamp"), p.runId(), opts.discardOldData());
    }

    private boolean clusterHealthy(StatefulSetTarget t) {
        EtcdConnectionConfig base = opts.etcd().toConfig();
        EtcdConnectionConfig c = new EtcdConnectionConfig(t.clientEndpoints(), base.caCert(), base.clientCert(), base.clientKey(),
                base.user(), base.password(), Duration.ofSeconds(2), Duration.ofSeconds(3));
        try (EtcdSession s = EtcdSession.open(c)) {
            return s.view().quorum().present();
        } catch (RuntimeException e) {
            LOG.info("cluster not healthy ({}): a restore is warranted", e.getMessage());
            return false;
        }
    }

    private void scaleAndWaitGone(KubernetesClient client, StatefulSetTarget t, int replicas) {
        client.apps().statefulSets().inNamespace(t.namespace()).withName(t.name()).scale(0);
        for (int i = 0; i < replicas; i++) {
            String pod = t.podName(i);
            waitUntil(() -> client.pods().inNamespace(t.namespace()).withName(pod).get() == null, "pod " + pod + " gone");
        }
        LOG.info("StatefulSet {} scaled to 0; all member pods are gone", t.name());
    }

    private Pod waitForPod(KubernetesClient client, StatefulSetTarget t, String name) {
        Pod[] last = new Pod[1];
        waitUntil(() -> {
            last[0] = client.pods().inNamespace(t.namespace()).withName(name).get();
            String phase = last[0] == null || last[0].getStatus() == null ? null : last[0].getStatus().getPhase();
            return "Succeeded".equals(phase) || "Failed".equals(phase);
        }, "restore pod " + name + " finished");
        return last[0];
    }

    private static String why(Pod p) {
        List<ContainerStatus> all = new ArrayList<>(p.getStatus().getInitContainerStatuses());
        all.addAll(p.getStatus().getContainerStatuses());
        return all.stream().filter(s -> s.getState() != null && s.getState().getTerminated() != null
                        && s.getState().getTerminated().getExitCode() != 0)
                .map(s -> "container " + s.getName() + " exited " + s.getState().getTerminated().getExitCode()
                        + (s.getState().getTerminated().getMessage() == null ? "" : " (" + s.getState().getTerminated().getMessage().strip() + ")"))
                .findFirst().orElse("phase " + p.getStatus().getPhase());
    }

    private void verify(StatefulSetTarget t, SnapshotSourceOptions.LocalSnapshot snap, int replicas) throws Exception {
        EtcdConnectionConfig base = opts.etcd().toConfig();
        // the StatefulSet may have been at 0 replicas when discovered (a resumed run): use the recorded member count
        List<java.net.URI> endpoints = IntStream.range(0, replicas).mapToObj(t::clientUrl).toList();
        EtcdConnectionConfig c = new EtcdConnectionConfig(endpoints, base.caCert(), base.clientCert(), base.clientKey(),
                base.user(), base.password(), Duration.ofSeconds(2), Duration.ofSeconds(5));
        long deadline = System.nanoTime() + opts.timeout().toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try (EtcdSession s = EtcdSession.open(c)) {
                ClusterView v = s.view();
                if (v.quorum().healthyVoters() == replicas) {
                    GetResponse r = s.client().getKVClient().get(ByteSequence.from(new byte[] {0}), GetOption.builder()
                            .withRange(ByteSequence.from(new byte[] {0})).withCountOnly(true).build()).get(10, TimeUnit.SECONDS);
                    long expectedRevision = snap.contents().effectiveRevision() + opts.bumpRevision();
                    List<String> names = v.members().stream().map(MemberInfo::name).sorted().toList();
                    List<String> pods = IntStream.range(0, replicas).mapToObj(t::podName).sorted().collect(Collectors.toList());
                    report.put("restored-revision", r.getHeader().getRevision()).put("key-count", r.getCount())
                            .put("members", names);
                    if (r.getCount() != snap.contents().liveKeys() || r.getHeader().getRevision() < expectedRevision || !names.equals(pods)) {
                        throw JobException.verification("restored cluster differs from the snapshot: " + r.getCount() + " keys (expected "
                                + snap.contents().liveKeys() + "), revision " + r.getHeader().getRevision() + " (expected >= "
                                + expectedRevision + "), members " + names + " (expected " + pods + ")");
                    }
                    LOG.info("restored cluster healthy: {} members, revision {}, {} keys", replicas, r.getHeader().getRevision(), r.getCount());
                    return;
                }
                last = v.quorum().healthyVoters() + "/" + replicas + " members healthy";
            } catch (JobException e) {
                if (e.exitCode() == io.etcdops.core.runtime.ExitCode.VERIFICATION_FAILED) {
                    throw e;
                }
                last = e.getMessage();
            }
            Thread.sleep(1000);
        }
        throw JobException.failed("the restored cluster did not become healthy within " + opts.timeout() + ": " + last);
    }

    private void plan(KubernetesClient client, StatefulSetTarget t, Optional<ProgressRecord.Progress> prior, KubernetesEnvironment env)
            throws Exception {
        SnapshotSourceOptions.LocalSnapshot snap = verifiedSnapshot();
        StorageVersionGuard.require(snap.name(), snap.contents(), t.requireImageVersion(),
                "set the StatefulSet's etcd image to that version and run this restore again");
        int replicas = prior.map(p -> Integer.parseInt(p.data().get("replicas"))).orElse(t.replicas());
        ProgressRecord.Progress p = prior.orElseGet(() -> ProgressRecord.Progress.start(OPERATION, "dry-run", env.identity())
                .with("snapshot", snap.name()).with("token", "etcd-ops-restore-" + snap.name().toLowerCase()).with("stamp", stamp()));
        RestorePodSpec.Settings s = podSettings(client, env, p);
        List<String> steps = new ArrayList<>();
        steps.add("acquire Lease " + ClusterLease.leaseName(t.name()));
        steps.add("refuse if the cluster is healthy (unless --force)");
        steps.add("record progress on StatefulSet " + t.name() + " (replicas " + replicas + ", snapshot " + snap.name() + ")");
        steps.add("scale StatefulSet " + t.name() + " to 0 and wait for its pods to go");
        for (int i = 0; i < replicas; i++) {
            Pod pod = RestorePodSpec.build(t, i, replicas, s);
            steps.add("pod " + pod.getMetadata().getName() + " on claim " + t.dataClaimName(i) + ": "
                    + pod.getSpec().getInitContainers().stream().map(c -> c.getName() + " " + String.join(" ", c.getArgs())).toList()
                    + " then swap");
        }
        steps.add("scale StatefulSet " + t.name() + " back to " + replicas + "; verify revision >= "
                + (snap.contents().effectiveRevision() + opts.bumpRevision()) + ", " + snap.contents().liveKeys() + " keys, members "
                + IntStream.range(0, replicas).mapToObj(t::podName).toList());
        steps.forEach(x -> LOG.info("dry run: {}", x));
        report.put("status", "dry-run").put("plan", steps).put("snapshot-name", snap.name());
    }

    private static String runId(KubernetesEnvironment env) {
        return env.identity().replaceAll("[^A-Za-z0-9-]", "-") + "-" + stamp();
    }

    private static String stamp() {
        return DateTimeFormatter.ofPattern("yyyyMMdd't'HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    private void waitUntil(java.util.function.BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + opts.timeout().toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw JobException.failed("timed out after " + opts.timeout() + " waiting for " + what);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw JobException.failed("interrupted waiting for " + what);
            }
        }
    }
}
