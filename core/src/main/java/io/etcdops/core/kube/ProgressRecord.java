package io.etcdops.core.kube;

import io.etcdops.core.runtime.Json;
import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a mutating job has done so far, kept as the annotation {@value #ANNOTATION} (JSON) on the target StatefulSet,
 * so a retried Job (a new pod after {@code backoffLimit}) sees where the last attempt stopped. It is a hint for
 * re-planning, never a substitute for reading the cluster's real state (docs/design.md invariant 6): a job checks each
 * recorded step against etcd and Kubernetes before skipping it. Annotations do not change the pod template, so
 * writing one never rolls the pods. RBAC: {@code get} and {@code patch} on {@code statefulsets.apps}.
 */
public final class ProgressRecord {
    public static final String ANNOTATION = "etcd-ops.io/progress";
    private static final Logger LOG = LoggerFactory.getLogger(ProgressRecord.class);
    /** The reports' mapper, tolerant of fields a newer etcd-ops version may have written. */
    private static final ObjectMapper JSON = Json.mapper().rebuild()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /**
     * One run's progress: the operation ({@code restore}, {@code upgrade}, ...), the run that wrote it (e.g. the Job's
     * name, the same across retries), who wrote it last, when, the current phase, the steps completed in order and
     * free-form values the job needs to re-plan (e.g. the snapshot chosen, the target version).
     */
    public record Progress(String operation, String runId, String holder, Instant startedAt, Instant updatedAt, String phase,
                           List<String> completedSteps, Map<String, String> data) {
        public Progress {
            completedSteps = completedSteps == null ? List.of() : List.copyOf(completedSteps);
            data = data == null ? Map.of() : Map.copyOf(data);
        }

        public static Progress start(String operation, String runId, String holder) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            return new Progress(operation, runId, holder, now, now, "started", List.of(), Map.of());
        }

        public boolean completed(String step) {
            return completedSteps.contains(step);
        }

        public Progress withPhase(String p) {
            return new Progress(operation, runId, holder, startedAt, updatedAt, p, completedSteps, data);
        }

        public Progress withCompleted(String step) {
            List<String> steps = new ArrayList<>(completedSteps);
            if (!steps.contains(step)) {
                steps.add(step);
            }
            return new Progress(operation, runId, holder, startedAt, updatedAt, phase, steps, data);
        }

        public Progress with(String key, String value) {
            Map<String, String> d = new LinkedHashMap<>(data);
            d.put(key, value);
            return new Progress(operation, runId, holder, startedAt, updatedAt, phase, completedSteps, d);
        }

        /** The record as the current holder writes it now. */
        Progress touchedBy(String h) {
            return new Progress(operation, runId, h, startedAt, Instant.now().truncatedTo(ChronoUnit.MILLIS), phase, completedSteps, data);
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String statefulSet;

    public ProgressRecord(KubernetesClient client, String namespace, String statefulSet) {
        this.client = client;
        this.namespace = namespace;
        this.statefulSet = statefulSet;
    }

    public static ProgressRecord of(KubernetesClient client, StatefulSetTarget target) {
        return new ProgressRecord(client, target.namespace(), target.name());
    }

    /** The recorded progress; empty when there is none or it cannot be parsed (logged: the job re-plans from scratch). */
    public Optional<Progress> read() {
        StatefulSet sts = statefulSet();
        String json = sts.getMetadata().getAnnotations() == null ? null : sts.getMetadata().getAnnotations().get(ANNOTATION);
        if (json == null || json.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(json, Progress.class));
        } catch (JacksonException e) {
            LOG.warn("ignoring unreadable {} annotation on StatefulSet {}/{}: {}", ANNOTATION, namespace, statefulSet, e.getOriginalMessage());
            return Optional.empty();
        }
    }

    /** Writes {@code p} (stamped with {@code holder} and the time) and returns what was written. */
    public Progress write(Progress p, String holder) {
        Progress stamped = p.touchedBy(holder);
        try {
            Map<String, Object> patch = Map.of("metadata", Map.of("annotations", Map.of(ANNOTATION, JSON.writeValueAsString(stamped))));
            patch(JSON.writeValueAsString(patch));
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
        return stamped;
    }

    /** Removes the record: the operation finished (successfully or not) and nothing is left to resume. */
    public void clear() {
        if (!statefulSet().getMetadata().getAnnotations().containsKey(ANNOTATION)) {
            return;
        }
        // edit() sends a JSON patch "remove" (honoured by every API server, unlike a merge patch's null); the
        // StatefulSet controller writes status all the time, so a conflict is retried a few times.
        for (int attempt = 1; ; attempt++) {
            try {
                client.apps().statefulSets().inNamespace(namespace).withName(statefulSet).edit(s -> {
                    s.getMetadata().getAnnotations().remove(ANNOTATION);
                    return s;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 5) {
                    throw JobException.failed("cannot remove the " + ANNOTATION + " annotation from StatefulSet " + namespace + "/"
                            + statefulSet + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private void patch(String mergePatch) {
        try {
            client.apps().statefulSets().inNamespace(namespace).withName(statefulSet)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot write the " + ANNOTATION + " annotation on StatefulSet " + namespace + "/" + statefulSet
                    + (e.getCode() == 403 ? ": the job's ServiceAccount needs patch on statefulsets.apps" : ": " + e.getMessage()), e);
        }
    }

    private StatefulSet statefulSet() {
        try {
            StatefulSet sts = client.apps().statefulSets().inNamespace(namespace).withName(statefulSet).get();
            if (sts == null) {
                throw JobException.usage("StatefulSet " + namespace + "/" + statefulSet + " not found");
            }
            return sts;
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot read StatefulSet " + namespace + "/" + statefulSet + ": " + e.getMessage(), e);
        }
    }
}
