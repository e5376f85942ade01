package io.etcdops.replacer;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One run of the replacer: look (etcd and Kubernetes), remember who is unhealthy since when, decide
 * ({@link ReplacementPlanner}), and — under the cluster Lease, after deciding again on a fresh look — replace one
 * replica ({@link ReplicaRebuild}). Everything it decided is in the report; everything it did is also a Kubernetes
 * Event on the StatefulSet.
 */
final class MemberReplacement {
    static final String OPERATION = "replace-member";
    static final String COMPONENT = "etcd-ops-member-replacer";
    // progress record keys
    static final String POD = "pod";
    static final String OLD_MEMBER_ID = "old-member-id";
    static final String OLD_MEMBER_NAME = "old-member-name";
    static final String REPLICA_PEER_URL = "replica-peer-url";
    static final String SEED_PEER_URL = "seed-peer-url";
    static final String NEW_MEMBER_ID = "new-member-id";
    static final String NODE = "node";
    private static final Logger LOG = LoggerFactory.getLogger(MemberReplacement.class);

    /** How the run ended when it did not fail. */
    enum Outcome { HEALTHY, WAITING, REPLACED, DRY_RUN }

    private final KubernetesClient client;
    private final EndpointResolver resolver;
    private final ReplacerSettings settings;
    private final String namespace;
    private final String statefulSet;
    private final TargetOverrides overrides;
    private final String identity;
    private final StepListener listener;

    MemberReplacement(KubernetesClient client, EndpointResolver resolver, ReplacerSettings settings, String namespace,
                      String statefulSet, TargetOverrides overrides, String identity, StepListener listener) {
        this.client = client;
        this.resolver = resolver;
        this.settings = settings;
        this.namespace = namespace;
        this.statefulSet = statefulSet;
        this.overrides = overrides;
        this.identity = identity;
        this.listener = listener;
    }

    Outcome run(JobReport report) {
        StatefulSetTarget t = discover();
        LOG.info("{}", t.describe());
        report.put("statefulset", t.namespace() + "/" + t.name());
        EtcdConnectionConfig config = settings.connection().withEndpoints(t.clientEndpoints(resolver));
        KubernetesEvents events = KubernetesEvents.on(client, t, COMPONENT, identity);
        try (EtcdSession session = EtcdSession.open(config)) {
            ClusterProbe probe = new ClusterProbe(session, resolver);
            ReplacementPlanner.Observation o = observe(t, probe, events, report);
            ReplacementPlanner.Decision d = ReplacementPlanner.decide(o);
            if (d.kind() != ReplacementPlanner.Kind.REPLACE || settings.dryRun()) {
                return conclude(t, o, d, events, report);
            }
            try (ClusterLease.Held lease = ClusterLease.of(client, t, identity).acquire(OPERATION)) {
                // decide again on a fresh look: another run may have acted between our look and the Lease
                t = discover();
                o = observe(t, probe, events, report);
                d = ReplacementPlanner.decide(o);
                if (d.kind() != ReplacementPlanner.Kind.REPLACE) {
                    return conclude(t, o, d, events, report);
                }
                report(d, t, report);
                if (d.staleProgress()) {
                    ProgressRecord.of(client, t).clear();
                }
                try {
                    new ReplicaRebuild(client, t, settings, session, probe, events, lease, listener, identity, report)
                            .run(d, d.staleProgress() ? Optional.empty() : o.progress().filter(p -> OPERATION.equals(p.operation())));
                } catch (JobException e) {
                    events.warning(e.exitCode() == io.etcdops.core.runtime.ExitCode.REFUSED ? "ReplacementRefused" : "ReplacementFailed",
                            t.podName(d.ordinal()) + ": " + e.getMessage() + " (the next run continues from here)");
                    throw e;
                }
                ReplacementPlanner.Observation after = observe(discover(), probe, events, report);
                report.put("unhealthy", unhealthyReport(after));
                return Outcome.REPLACED;
            }
        }
    }

    private StatefulSetTarget discover() {
        return StatefulSetTarget.discover(client, namespace, statefulSet, overrides);
    }

    /** Looks at etcd and the pods, and updates the unhealthy-since annotation (not in a dry run). */
    private ReplacementPlanner.Observation observe(StatefulSetTarget t, ClusterProbe probe, KubernetesEvents events, JobReport report) {
        ClusterView view = probe.view();
        Map<String, Pod> pods = new LinkedHashMap<>();
        for (String name : t.podNames()) {
            Pod p = client.pods().inNamespace(t.namespace()).withName(name).get();
            if (p != null) {
                pods.put(name, p);
            }
        }
        Map<String, Pod> seeds = new LinkedHashMap<>();
        for (Pod p : client.pods().inNamespace(t.namespace()).withLabel(SeedPod.SEED_FOR_LABEL).list().getItems()) {
            seeds.put(p.getMetadata().getLabels().get(SeedPod.SEED_FOR_LABEL), p);
        }
        List<MemberHealth> health = MemberHealth.assess(t, view, pods);
        Instant now = Instant.now();
        Map<String, Instant> before = UnhealthySince.read(t.statefulSet());
        Map<String, Instant> since = UnhealthySince.update(before, health, now);
        if (!settings.dryRun()) {
            UnhealthySince.write(client, t.statefulSet(), since);
            for (MemberHealth h : health) {
                if (!h.healthy() && !before.containsKey(h.pod())) {
                    events.warning("MemberUnhealthy", h.describe() + "; replaced if still unhealthy after " + settings.grace());
                }
            }
        }
        Optional<ProgressRecord.Progress> progress = ProgressRecord.of(client, t).read();
        ReplacementPlanner.Observation o = new ReplacementPlanner.Observation(t, t.statefulSet(), view, health, since, pods, seeds,
                progress, now, settings.grace(), settings.member());
        report.put("unhealthy", unhealthyReport(o));
        return o;
    }

    private static Map<String, Object> unhealthyReport(ReplacementPlanner.Observation o) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (MemberHealth h : o.health()) {
            if (!h.healthy()) {
                out.put(h.pod(), Map.of("since", String.valueOf(o.unhealthySince().get(h.pod())), "problems", h.problems()));
            }
        }
        return out;
    }

    private Outcome conclude(StatefulSetTarget t, ReplacementPlanner.Observation o, ReplacementPlanner.Decision d,
                             KubernetesEvents events, JobReport report) {
        report(d, t, report);
        switch (d.kind()) {
            case HEALTHY -> {
                LOG.info("nothing to replace: {}", d.reason());
                if (d.staleProgress() && !settings.dryRun()) {
                    ProgressRecord.of(client, t).clear();
                }
                return Outcome.HEALTHY;
            }
            case WAITING -> {
                LOG.warn("{}; next decision at {}", d.reason(), d.due().orElse(null));
                return Outcome.WAITING;
            }
            case REFUSED -> {
                if (!settings.dryRun()) {
                    events.warning("ReplacementRefused", d.reason());
                }
                throw JobException.refused(d.reason());
            }
            default -> {
                List<String> plan = ReplicaRebuild.plan(t, d, o, settings);
                report.put("plan", plan);
                LOG.info("dry run: would replace {} ({}); the plan:", t.podName(d.ordinal()), d.reason());
                for (int i = 0; i < plan.size(); i++) {
                    LOG.info("  {}. {}", i + 1, plan.get(i));
                }
                report.put("status", "dry-run");
                return Outcome.DRY_RUN;
            }
        }
    }

    private static void report(ReplacementPlanner.Decision d, StatefulSetTarget t, JobReport report) {
        report.put("decision", d.kind().name().toLowerCase());
        report.put("reason", d.reason());
        if (d.kind() == ReplacementPlanner.Kind.REPLACE) {
            report.put("member", t.podName(d.ordinal()));
            d.member().ifPresent(m -> report.put("old-member-id", m.idHex()));
            report.put("resumed", d.resume());
        }
        d.due().ifPresent(due -> report.put("next-decision-at", due.toString()));
    }
}
