package io.etcdops.health.kube;

import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.health.Finding;
import io.etcdops.health.HealthEvaluator;
import io.etcdops.health.Severity;
import io.etcdops.health.action.ActionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The Kubernetes Events one run writes on the StatefulSet: one Warning per run that is not healthy
 * ({@code HealthCritical} / {@code HealthWarning}, the findings that are not ok in the message, criticals first) — one
 * per run rather than one per finding, so a CronJob every few minutes does not flood the namespace — and one per action
 * that did or refused something ({@code DefragDone} Normal, {@code DefragRefused} / {@code DefragFailed} Warning, the
 * same with {@code NospaceRecovery...}). Healthy runs, dry runs and actions with nothing to do write none. Writing
 * never fails the run.
 */
public final class HealthEvents {
    public static final String CRITICAL = "HealthCritical";
    public static final String WARNING = "HealthWarning";
    private static final Logger LOG = LoggerFactory.getLogger(HealthEvents.class);

    /** Where Events go ({@link KubernetesEvents#emit}; a recorder in tests). */
    @FunctionalInterface
    public interface Sink {
        void emit(String type, String reason, String message);
    }

    private final Sink sink;

    public HealthEvents(Sink sink) {
        this.sink = sink;
    }

    public void report(HealthEvaluator.Evaluation ev, List<ActionResult> actions) {
        try {
            Severity status = ev.status();
            if (status != Severity.OK) {
                sink.emit(KubernetesEvents.WARNING, status == Severity.CRITICAL ? CRITICAL : WARNING, summary(ev));
            }
            for (ActionResult a : actions) {
                String reason = actionReason(a.action());
                switch (a.outcome()) {
                    case ActionResult.DONE -> sink.emit(KubernetesEvents.NORMAL, reason + "Done", a.reason()
                            + (a.reclaimedBytes() > 0 ? "; reclaimed " + a.reclaimedBytes() + " bytes" : ""));
                    case ActionResult.REFUSED -> sink.emit(KubernetesEvents.WARNING, reason + "Refused", a.reason());
                    case ActionResult.FAILED -> sink.emit(KubernetesEvents.WARNING, reason + "Failed", a.reason());
                    default -> {
                        // dry run, nothing to do: nothing happened to the cluster
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not write Kubernetes Events: {}", e.getMessage());
        }
    }

    static String summary(HealthEvaluator.Evaluation ev) {
        List<Finding> problems = new ArrayList<>(ev.findings().stream().filter(f -> f.severity() != Severity.OK).toList());
        problems.sort(Comparator.comparing(Finding::severity).reversed());
        List<String> parts = new ArrayList<>();
        for (Finding f : problems) {
            parts.add(f.severity().label() + " " + f.subject() + " " + f.check() + ": " + f.message());
        }
        return "etcd is " + ev.status().label() + " (" + ev.count(Severity.CRITICAL) + " critical, " + ev.count(Severity.WARNING)
                + " warning): " + String.join("; ", parts);
    }

    static String actionReason(String action) {
        return switch (action) {
            case "defrag" -> "Defrag";
            case "recover-nospace" -> "NospaceRecovery";
            default -> action.substring(0, 1).toUpperCase(Locale.ROOT) + action.substring(1);
        };
    }
}
