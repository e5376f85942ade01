package io.etcdops.health;

import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.health.action.ActionResult;
import io.etcdops.health.action.ClusterLock;
import io.etcdops.health.action.ClusterMaintenance;
import io.etcdops.health.action.EtcdMaintenance;
import io.etcdops.health.action.LockedMaintenance;
import io.etcdops.health.action.NospaceRecovery;
import io.etcdops.health.action.SafeDefrag;
import io.etcdops.health.kube.HealthEvents;
import io.etcdops.health.kube.TargetStatefulSet;
import io.etcdops.health.metrics.MemberSignals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One health-checker run: observe, judge, optionally act (under the cluster lock), judge again after acting, then
 * print, write the output files, push metrics, write Kubernetes Events (with a StatefulSet target) and decide the exit
 * code.
 */
public final class HealthRun {
    private static final Logger LOG = LoggerFactory.getLogger(HealthRun.class);

    private final HealthSettings settings;
    private final JobReport report;
    private final ClusterLock lock;
    private final PrintStream out;
    private final TargetStatefulSet statefulSet;
    private final EndpointResolver resolver;
    private final Clock clock = Clock.systemUTC();

    /** A run against {@code --endpoints} (VMs): no StatefulSet, no Events. */
    public HealthRun(HealthSettings settings, JobReport report, ClusterLock lock, PrintStream out) {
        this(settings, report, lock, out, null);
    }

    /**
     * @param statefulSet the target StatefulSet (its pods are compared with the member list, Events are written on it,
     *                    member URLs go through its resolver); null for {@code --endpoints}
     */
    public HealthRun(HealthSettings settings, JobReport report, ClusterLock lock, PrintStream out, TargetStatefulSet statefulSet) {
        this.settings = settings;
        this.report = report;
        this.lock = lock;
        this.out = out;
        this.statefulSet = statefulSet;
        this.resolver = statefulSet == null ? EndpointResolver.IDENTITY : statefulSet.resolver();
    }

    public ExitCode run() {
        LOG.debug("configuration: {}", settings.connection());
        HealthProbe probe = new HealthProbe(settings, clock, statefulSet == null ? null : statefulSet::look);
        EtcdSession session;
        try {
            session = open(settings.connection());
        } catch (JobException e) {
            if (e.exitCode() == ExitCode.USAGE) {
                throw e;
            }
            String hint = settings.connection().hasAuth() && settings.connection().clientCert() == null
                    ? " (with auth enabled etcd needs quorum to log a user in; a client certificate whose CN is the user works without)" : "";
            return finish(HealthOutput.unreachable(e.getMessage() + hint, probe.backupOnly(), settings.thresholds(),
                    probe.statefulSetOnly()), List.of());
        }
        try (session) {
            HealthEvaluator evaluator = new HealthEvaluator(settings.thresholds());
            Observation observed;
            try {
                observed = probe.observe(session);
            } catch (JobException e) {
                if (e.exitCode() == ExitCode.USAGE) {
                    throw e;
                }
                // the member list worked a moment ago and failed now (e.g. quorum lost in between): still a report
                return finish(HealthOutput.unreachable(e.getMessage(), probe.backupOnly(), settings.thresholds(),
                        probe.statefulSetOnly()), List.of());
            }
            HealthEvaluator.Evaluation ev = evaluator.evaluate(observed);
            List<ActionResult> actions = new ArrayList<>();
            if (settings.anyAction()) {
                LOG.info("cluster status before actions: {} ({} critical, {} warning)", ev.status().label(),
                        ev.count(Severity.CRITICAL), ev.count(Severity.WARNING));
                actions = act(session, observed);
                boolean changed = actions.stream().anyMatch(a -> !a.steps().isEmpty() && !a.outcome().equals(ActionResult.DRY_RUN)
                        || a.disarmed() != null && !a.disarmed().isEmpty());
                if (changed) {
                    report.put("status-before-actions", ev.status().label());
                    ev = evaluator.evaluate(probe.observe(session));
                }
            }
            return finish(ev, actions);
        }
    }

    /**
     * Opens the session, retrying for up to the command timeout (a run that starts during a leader election would
     * otherwise report "unreachable"). With auth and a client certificate, falls back to logging in by the
     * certificate's CN: etcd's password login goes through raft and fails without quorum, exactly when the report
     * matters most.
     */
    private EtcdSession open(EtcdConnectionConfig config) {
        Instant giveUp = clock.instant().plus(config.commandTimeout());
        while (true) {
            JobException failure;
            try {
                return EtcdSession.open(config, resolver);
            } catch (JobException e) {
                if (e.exitCode() == ExitCode.USAGE) {
                    throw e;
                }
                failure = e;
            }
            if (config.hasAuth() && config.clientCert() != null) {
                try {
                    EtcdSession s = EtcdSession.open(new EtcdConnectionConfig(config.endpoints(), config.caCert(), config.clientCert(),
                            config.clientKey(), null, null, config.dialTimeout(), config.commandTimeout()), resolver);
                    LOG.warn("password login failed ({}); using the client certificate's CN as the etcd user", failure.getMessage());
                    return s;
                } catch (JobException ignored) {
                    // report the password login's failure, it is the configured one
                }
            }
            if (clock.instant().isAfter(giveUp)) {
                throw failure;
            }
            LOG.debug("etcd not answering yet ({}), retrying", failure.getMessage());
            try {
                Thread.sleep(500);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }

    /**
     * Runs the requested actions under the cluster lock, checked again before every change. A dry run changes nothing
     * and takes no lock; neither does a run with nothing to do (each action is planned first, read-only), so a
     * scheduled --defrag neither touches the Lease nor is refused while another operation holds it unless it has work.
     * A lock another operation holds refuses every requested action (exit 3, the holder named); the health report is
     * still produced.
     */
    private List<ActionResult> act(EtcdSession session, Observation observed) {
        EtcdMaintenance etcd = new EtcdMaintenance(session);
        List<ActionResult> plan = actions(etcd, observed, true);
        boolean nothingToDo = plan.stream().allMatch(r -> ActionResult.NOTHING.equals(r.outcome()));
        List<ActionResult> results = settings.dryRun() || nothingToDo ? plan : lockedActions(etcd, observed);
        results.forEach(r -> LOG.info("{}: {} ({})", r.action(), r.outcome(), r.reason()));
        return results;
    }

    private List<ActionResult> lockedActions(EtcdMaintenance etcd, Observation observed) {
        LOG.info("cluster lock: {}", lock);
        ClusterLock.Held held;
        try {
            held = lock.acquire(settings.recoverNospace() ? "recover-nospace" : "defrag");
        } catch (JobException e) {
            if (e.exitCode() != ExitCode.REFUSED) {
                throw e;
            }
            LOG.warn("actions refused: {}", e.getMessage());
            return requested().stream()
                    .map(a -> new ActionResult(a, ActionResult.REFUSED, e.getMessage(), null, List.of(), 0, null, null)).toList();
        }
        try (held) {
            return actions(new LockedMaintenance(etcd, held), observed, false);
        }
    }

    private List<String> requested() {
        List<String> out = new ArrayList<>();
        if (settings.recoverNospace()) {
            out.add("recover-nospace");
        }
        if (settings.defrag()) {
            out.add("defrag");
        }
        return out;
    }

    private List<ActionResult> actions(ClusterMaintenance etcd, Observation observed, boolean dryRun) {
        List<ActionResult> results = new ArrayList<>();
        SafeDefrag defrag = new SafeDefrag(etcd, settings.defragPolicy(), clock);
        if (settings.recoverNospace()) {
            results.add(guarded("recover-nospace", () -> new NospaceRecovery(etcd, defrag).run(dryRun, knownQuota(observed))));
        }
        if (settings.defrag()) {
            results.add(guarded("defrag", () -> defrag.run(SafeDefrag.Selection.FRAGMENTED, dryRun)));
        }
        return results;
    }

    private static ActionResult guarded(String action, java.util.function.Supplier<ActionResult> body) {
        try {
            return body.get();
        } catch (JobException e) {
            if (e.exitCode() == ExitCode.USAGE) {
                throw e;
            }
            return new ActionResult(action, e.exitCode() == ExitCode.REFUSED ? ActionResult.REFUSED : ActionResult.FAILED,
                    e.getMessage(), null, List.of(), 0, null, null);
        }
    }

    /** The quota if we really know it (flag or metrics); etcd's default is only a guess here. */
    private static Long knownQuota(Observation o) {
        if (o.quotaOption() != null) {
            return o.quotaOption();
        }
        return o.signals().values().stream().map(MemberSignals::quotaBackendBytes).filter(Objects::nonNull).max(Long::compare).orElse(null);
    }

    private ExitCode finish(HealthEvaluator.Evaluation ev, List<ActionResult> actions) {
        Severity status = ev.status();
        ExitCode code = exitCode(status, actions, settings.failOn());
        HealthOutput output = new HealthOutput(ev, actions);
        if (!settings.json()) {
            new HealthTable(out).print(ev, actions);
        }
        output.fill(report, settings.json());
        if (settings.outputDir() != null) {
            output.writeFiles(settings.outputDir());
        }
        if (settings.pushgatewayUrl() != null) {
            HealthMetrics.push(settings.pushgatewayUrl(), settings.clusterName(), ev, actions, clock);
        }
        if (statefulSet != null) {
            new HealthEvents(statefulSet.events()::emit).report(ev, actions);
        }
        report.finish(code, null, settings.outputDir(), out);
        return code;
    }

    static ExitCode exitCode(Severity status, List<ActionResult> actions, Severity failOn) {
        if (status == Severity.CRITICAL) {
            return ExitCode.FAILED;
        }
        if (actions.stream().anyMatch(a -> a.outcome().equals(ActionResult.FAILED))) {
            return ExitCode.FAILED;
        }
        if (actions.stream().anyMatch(a -> a.outcome().equals(ActionResult.REFUSED))) {
            return ExitCode.REFUSED;
        }
        if (status == Severity.WARNING && failOn == Severity.WARNING) {
            return ExitCode.FAILED;
        }
        return ExitCode.OK;
    }
}
