package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.ProgressRecord.Progress;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.upgrade.MemberPods.MemberPod;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One upgrade run against a discovered StatefulSet: pre-flight, backup, then member by member behind gates, leader last,
 * and on a failed gate a safe stop (see {@link #stop}). Its progress lives in the StatefulSet's {@link ProgressRecord},
 * so a re-run continues where this one stopped — from the cluster's real state: members already at the target are
 * skipped because they are, not because the record says so; the record only remembers what the cluster cannot tell
 * (the update strategy to restore, the image before the upgrade).
 */
public final class RollingUpgrade {
    static final String OPERATION = "upgrade";
    private static final Logger LOG = LoggerFactory.getLogger(RollingUpgrade.class);

    private final UpgradeSettings settings;
    private final KubernetesClient client;
    private final EndpointResolver resolver;
    private final StatefulSetTarget target;
    private final String holder;
    private final JobReport report;
    private final StatefulSetControl control;
    private final ProgressRecord records;
    private final KubernetesEvents events;
    private final List<Map<String, Object>> members = new ArrayList<>();
    private final List<Map<String, Object>> leaderMoves = new ArrayList<>();
    /** The run's view of etcd, once it has one (a stop cancels etcd's downgrade job through it). */
    private ClusterProbe etcdProbe;

    public RollingUpgrade(UpgradeSettings settings, KubernetesClient client, EndpointResolver resolver, StatefulSetTarget target,
                          String holder, JobReport report) {
        this.settings = settings;
        this.client = client;
        this.resolver = resolver;
        this.target = target;
        this.holder = holder;
        this.report = report;
        this.control = new StatefulSetControl(client, target);
        this.records = ProgressRecord.of(client, target);
        this.events = KubernetesEvents.on(client, target, "etcd-ops-upgrader", holder);
    }

    public void run() {
        report.put("statefulset", target.namespace() + "/" + target.name()).put("to-version", settings.toVersion().toString());
        Optional<Progress> previous = records.read();
        if (previous.isPresent() && !OPERATION.equals(previous.get().operation())) {
            throw JobException.refused("StatefulSet " + where() + " records an unfinished " + previous.get().operation() + " (annotation "
                    + ProgressRecord.ANNOTATION + ", phase " + previous.get().phase() + "); finish it before upgrading");
        }
        EtcdConnectionConfig etcd = settings.etcd().withEndpoints(target.clientEndpoints(resolver));
        try (ClusterProbe probe = new ClusterProbe(etcd, new MemberPods(target, resolver))) {
            if (settings.dryRun()) {
                UpgradePlan plan = new PreFlight(probe, control, target).plan(settings.toVersion(), settings.image(), previous.isPresent(),
                        settings.rewriteFlags());
                reportPlan(plan, previous);
                String original = previous.map(p -> p.data().get("original-strategy-type"))
                        .orElse(StatefulSetControl.strategyType(control.statefulSet()));
                report.put("plan", plan.describe(!settings.skipBackup(), original)).put("status", "dry-run");
                LOG.info("dry run: {}", report.get("plan"));
                return;
            }
            try (ClusterLease.Held lock = new ClusterLease(client, target.namespace(), target.name(), holder,
                    settings.leaseDuration()).acquire(OPERATION)) {
                UpgradePlan plan;
                try {
                    plan = new PreFlight(probe, control, target).plan(settings.toVersion(), settings.image(), previous.isPresent(),
                        settings.rewriteFlags());
                } catch (JobException e) {
                    if (e.exitCode() == ExitCode.REFUSED) {
                        events.warning("UpgradeRefused", e.getMessage());
                    }
                    throw e;
                }
                reportPlan(plan, previous);
                rollout(plan, previous, probe, etcd, lock);
            }
        }
    }

    private void rollout(UpgradePlan plan, Optional<Progress> previous, ClusterProbe probe, EtcdConnectionConfig etcd,
                         ClusterLease.Held lock) {
        this.etcdProbe = probe;
        if (settings.skipBackup()) {
            LOG.warn("NO BACKUP: --skip-backup is set; upgrading without a fresh snapshot");
            report.put("backup", "SKIPPED (--skip-backup): no snapshot was taken before this upgrade");
        } else if (!plan.nothingToDo()) {
            report.put("backup", PreUpgradeBackup.take(settings, etcd));
        }
        var sts = control.statefulSet();
        String originalStrategy = previous.map(p -> p.data().get("original-strategy")).orElse(StatefulSetControl.strategyJson(sts));
        String originalType = previous.map(p -> p.data().get("original-strategy-type")).orElse(StatefulSetControl.strategyType(sts));
        String fromImage = plan.pending().isEmpty() ? plan.image()
                : control.pod(plan.pending().get(0).pod()).map(control::podImage).orElse(plan.templateImage());
        Map<String, String> data = new LinkedHashMap<>();
        data.put("original-strategy", originalStrategy);
        data.put("original-strategy-type", originalType);
        data.put("original-image", previous.map(p -> p.data().get("original-image")).orElse(plan.templateImage()));
        data.put("from-version", plan.from().toString());
        data.put("from-image", fromImage);
        data.put("to-version", plan.to().toString());
        data.put("image", plan.image());
        if (plan.rewrite() != null) {
            var c = control.templateContainer(sts);
            data.put("original-args", previous.map(p -> p.data().get("original-args")).orElse(Serialization.asJson(c.getArgs())));
            data.put("original-env", previous.map(p -> p.data().get("original-env")).orElse(Serialization.asJson(c.getEnv())));
        }
        Rollback rollback = new Rollback(plan.from(), fromImage);
        report.put("update-strategy", originalType);

        Progress progress = previous.orElse(Progress.start(OPERATION, holder, holder));
        for (var e : data.entrySet()) {
            progress = progress.with(e.getKey(), e.getValue());
        }
        if (!plan.nothingToDo()) {
            progress = records.write(progress.withPhase("rolling"), holder);
            events.normal("UpgradeStarted", "etcd " + plan.from() + " -> " + plan.to() + " (" + plan.image() + "), order "
                    + plan.pending().stream().map(MemberPod::pod).toList() + (previous.isPresent() ? ", resuming" : ""));
        }
        for (MemberPod p : plan.done()) {
            members.add(entry(p, plan.to().toString(), "skipped (already at " + plan.to() + ")"));
        }
        report.put("members", members).put("leader-moves", leaderMoves);
        try {
            if (!plan.nothingToDo() && !"OnDelete".equals(StatefulSetControl.strategyType(sts))) {
                lock.ensureHeld();
                control.useOnDelete();
                LOG.info("updateStrategy {} -> OnDelete for the duration of the upgrade", originalType);
            }
            if (!plan.nothingToDo() && plan.rewrite() != null) {
                lock.ensureHeld();
                control.setEtcdContainer(plan.image(), plan.rewrite().args(), plan.rewrite().env());
                LOG.info("etcd image {} -> {} and flags rewritten in the template: {}", plan.templateImage(), plan.image(),
                        plan.rewrite().changes());
                report.put("flag-rewrites", plan.rewrite().changes());
            } else if (!plan.nothingToDo() && !plan.image().equals(plan.templateImage())) {
                lock.ensureHeld();
                control.setImage(plan.image());
                LOG.info("etcd image {} -> {} in the template (no pod replaced by that under OnDelete)", plan.templateImage(), plan.image());
            }
            if (!plan.nothingToDo() && plan.kind() == UpgradePath.Kind.MINOR_DOWNGRADE) {
                lock.ensureHeld();
                report.put("downgrade", new DowngradeProtocol(probe).enable(plan.to(), plan.from(), settings.clusterVersionTimeout()));
            }
            progress = restartAll(plan, probe, lock, progress, rollback);
        } catch (Stopped e) {
            throw e;
        } catch (JobException e) {
            throw stopped(plan, null, "a step failed: " + e.getMessage(), rollback, progress, e);
        }
        ClusterVersionWait.await(probe, plan.to(), settings.clusterVersionTimeout());
        if (plan.kind() == UpgradePath.Kind.MINOR_DOWNGRADE) {
            boolean finished = new DowngradeProtocol(probe).awaitFinished(settings.clusterVersionTimeout());
            report.put("downgrade-finished", finished);
            if (!finished) {
                LOG.warn("every member runs {} but etcd still reports its downgrade job enabled", plan.to());
            }
        }
        ClusterView end = probe.view();
        List<String> unhealthy = PreFlight.unhealthy(end);
        if (!unhealthy.isEmpty() || !end.alarms().isEmpty()) {
            throw stopped(plan, null, "final health check failed: " + unhealthy + " alarms " + end.alarms(), rollback, progress, null);
        }
        restoreStrategy(originalStrategy, originalType);
        if (plan.kind() == UpgradePath.Kind.MINOR_UPGRADE && plan.to().major() == 3 && plan.to().minor() == 6) {
            control.annotate(PreFlight.WAL_FROM_35, "since " + Instant.now());
        } else if (plan.kind() == UpgradePath.Kind.MINOR_UPGRADE && plan.to().major() == 3 && plan.to().minor() == 7) {
            control.annotate(PreFlight.WAL_FROM_35, null);
        }
        clearRecord();
        report.put("cluster-version", ClusterVersionWait.current(probe).map(EtcdVersion::minorString).orElse("unknown"));
        if (!plan.nothingToDo()) {
            events.normal("UpgradeSucceeded", "every member runs etcd " + plan.to() + " (" + plan.image() + "); "
                    + leaderMoves.size() + " leadership move(s)");
        }
        LOG.info("done: every member of {} runs etcd {}", where(), plan.to());
    }

    private Progress restartAll(UpgradePlan plan, ClusterProbe probe, ClusterLease.Held lock, Progress progress, Rollback rollback) {
        MemberRestart restart = new MemberRestart(probe, control);
        LeaderMove mover = new LeaderMove(probe);
        Set<Long> upgraded = new HashSet<>();
        plan.done().forEach(p -> upgraded.add(p.member().id()));
        List<MemberPod> remaining = new ArrayList<>(plan.pending());
        Map<Long, MemberPod> byId = new HashMap<>();
        plan.pending().forEach(p -> byId.put(p.member().id(), p));
        plan.done().forEach(p -> byId.put(p.member().id(), p));
        while (!remaining.isEmpty()) {
            lock.ensureHeld();
            ClusterView view = probe.view();
            List<String> unhealthy = PreFlight.unhealthy(view);
            if (!unhealthy.isEmpty() || !view.alarms().isEmpty() || !view.quorum().survivesLosing(1)) {
                throw stopped(plan, null, "the cluster is not healthy enough to restart the next member: " + unhealthy
                        + (view.alarms().isEmpty() ? "" : " alarms " + view.alarms()), rollback, progress, null);
            }
            long leader = view.leaderId();
            MemberPod next = remaining.stream().filter(p -> p.member().id() != leader).findFirst().orElse(null);
            if (next == null) {
                MemberPod current = remaining.get(0);
                Optional<MemberStatus> to = LeaderMove.transferee(view, upgraded);
                if (to.isPresent()) {
                    Map<String, Object> move = mover.move(current, byId.get(to.get().member().id()));
                    leaderMoves.add(move);
                    events.normal("LeaderMoved", "leadership " + move.get("from") + " -> " + move.get("to") + " before restarting "
                            + current.pod());
                    continue;
                }
                LOG.warn("no upgraded healthy member can take over leadership; restarting the leader {} directly (one election)",
                        current.member().label());
                next = current;
            }
            String podImage = control.pod(next.pod()).map(control::podImage).orElse("");
            String versionBefore = view.status(next.member().id()).map(MemberStatus::version).orElse("");
            boolean wasLeader = next.member().id() == leader;
            Map<String, Object> timing;
            try {
                timing = restart.restart(next, plan.to(), plan.image(), settings.memberTimeout());
            } catch (MemberRestart.GateFailure f) {
                throw stop(plan, next, podImage, versionBefore, f, restart, rollback, progress);
            }
            upgraded.add(next.member().id());
            remaining.remove(next);
            Map<String, Object> m = entry(next, versionBefore, "restarted");
            m.put("to", plan.to().toString());
            m.put("was-leader", wasLeader);
            m.putAll(timing);
            members.add(m);
            progress = records.write(progress.withCompleted(next.pod() + "@" + plan.to()), holder);
            events.normal("MemberUpgraded", "member " + next.member().label() + " (pod " + next.pod() + ") runs etcd " + plan.to()
                    + ", healthy after " + timing.get("healthy-seconds") + "s");
            LOG.info("member {} runs {} (healthy {}s after its pod was deleted)", next.member().label(), plan.to(), timing.get("healthy-seconds"));
        }
        return progress;
    }

    /**
     * A gate failed on {@code mp}. Touch no other member. If the member itself is down (its new pod crashes or never
     * gets Ready), put its previous image back and restart it once, so the cluster is whole again; a member that is up
     * but failed a later gate is left as it is. The update strategy goes back only if every pod matches the template
     * again (otherwise OnDelete stays, so Kubernetes rolls nothing behind the operator's back, and the record stays for
     * the re-run). Returns the exception that ends the job (exit 1) with the commands to resume or roll back.
     */
    private Stopped stop(UpgradePlan plan, MemberPod mp, String previousImage, String previousVersion,
                              MemberRestart.GateFailure f, MemberRestart restart, Rollback rollback, Progress progress) {
        LOG.error("member {} (pod {}): {}", mp.member().label(), mp.pod(), f.getMessage());
        String revert = "not needed (the member is up)";
        if (!f.memberUp() && !previousImage.isEmpty() && !previousImage.equals(plan.image())) {
            LOG.warn("putting {} back on {} so the cluster is whole again", mp.pod(), previousImage);
            try {
                String args = progress.data().get("original-args");
                if (plan.rewrite() != null && args != null) {
                    control.setEtcdContainer(previousImage, List.of(Serialization.unmarshal(args, String[].class)),
                            List.of(Serialization.unmarshal(progress.data().get("original-env"), EnvVar[].class)));
                } else {
                    control.setImage(previousImage);
                }
                restart.restart(mp, EtcdVersion.parse(previousVersion), previousImage, settings.memberTimeout());
                revert = "pod " + mp.pod() + " is back on " + previousImage + " and healthy";
            } catch (MemberRestart.GateFailure | JobException | IllegalArgumentException r) {
                revert = "FAILED: " + r.getMessage() + "; member " + mp.member().label() + " is down, the others keep quorum";
            }
            LOG.warn("revert: {}", revert);
        }
        report.put("reverted", revert);
        return stopped(plan, mp, f.getMessage(), rollback, progress, null);
    }

    private Stopped stopped(UpgradePlan plan, MemberPod mp, String reason, Rollback rollback, Progress progress, Throwable cause) {
        report.put("stopped-at", mp == null ? "" : mp.pod()).put("stop-reason", reason);
        String downgradeNote = plan.kind() == UpgradePath.Kind.MINOR_DOWNGRADE && etcdProbe != null
                ? new DowngradeProtocol(etcdProbe).onStop(plan.to(), report) : "";
        boolean consistent = templateMatchesPods();
        String original = progress.data().get("original-strategy");
        String originalType = progress.data().get("original-strategy-type");
        if (consistent && original != null) {
            restoreStrategy(original, originalType);
            clearRecord();
        } else {
            records.write(progress.withPhase("stopped"), holder);
            LOG.warn("updateStrategy stays OnDelete: pods run different images; re-run to resume or roll back");
        }
        report.put("resume-command", rollback.command(target, settings, plan.to(), plan.image()));
        report.put("rollback-command", rollback.command(target, settings, rollback.version(), rollback.image()));
        String msg = "upgrade stopped" + (mp == null ? "" : " at member " + mp.member().label() + " (pod " + mp.pod() + ")") + ": "
                + reason + "; no other member was touched. Roll back with: " + report.get("rollback-command")
                + " -- or fix the cause and resume with: " + report.get("resume-command") + downgradeNote;
        events.warning("UpgradeStopped", msg);
        return new Stopped(msg, cause);
    }

    /** The run stopped safely (exit 1); its message carries the commands to resume or roll back. */
    static final class Stopped extends JobException {
        Stopped(String message, Throwable cause) {
            super(ExitCode.FAILED, message, cause);
        }
    }

    /**
     * {@link ProgressRecord#clear()} edits the StatefulSet without retrying a conflict (the controller writes its status
     * all the time), so the upgrader retries it here.
     */
    private void clearRecord() {
        for (int attempt = 1; ; attempt++) {
            try {
                records.clear();
                return;
            } catch (JobException e) {
                boolean conflict = e.getCause() instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 409;
                if (!conflict || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    private boolean templateMatchesPods() {
        String image = control.templateImage(control.statefulSet());
        return target.podNames().stream().allMatch(n -> control.pod(n).map(control::podImage).map(image::equals).orElse(false));
    }

    private void restoreStrategy(String json, String type) {
        if (!json.equals(StatefulSetControl.strategyJson(control.statefulSet()))) {
            control.restoreStrategy(json);
            LOG.info("updateStrategy restored to {}", type);
        }
        report.put("update-strategy-restored", type);
    }

    private void reportPlan(UpgradePlan plan, Optional<Progress> previous) {
        report.put("from-version", plan.from().toString()).put("path", plan.kindLabel()).put("image", plan.image())
                .put("previous-image", previous.map(p -> p.data().get("original-image")).orElse(plan.templateImage()))
                .put("order", plan.pending().stream().map(MemberPod::pod).toList())
                .put("skipped", plan.done().stream().map(MemberPod::pod).toList())
                .put("resumed", previous.isPresent())
                .put("warnings", plan.warnings());
        plan.clusterVersion().ifPresent(v -> report.put("cluster-version", v.minorString()));
    }

    private static Map<String, Object> entry(MemberPod p, String from, String action) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("member", p.member().label());
        m.put("pod", p.pod());
        m.put("from", from);
        m.put("action", action);
        return m;
    }

    private String where() {
        return target.namespace() + "/" + target.name();
    }
}
