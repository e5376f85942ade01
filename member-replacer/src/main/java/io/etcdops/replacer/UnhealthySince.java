package io.etcdops.replacer;

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
import tools.jackson.core.type.TypeReference;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * When each replica was first seen unhealthy, remembered across CronJob runs as the annotation {@value #ANNOTATION}
 * on the StatefulSet (JSON: pod name to UTC time). A replica seen healthy is dropped, so the grace period counts
 * <em>continuous</em> unhealthiness and one bad probe never leads to a replacement. Annotations do not touch the pod
 * template: writing one never rolls the pods.
 */
final class UnhealthySince {
    static final String ANNOTATION = "etcd-ops.io/unhealthy-since";
    private static final Logger LOG = LoggerFactory.getLogger(UnhealthySince.class);
    private UnhealthySince() {
    }

    /** The remembered times; an unreadable annotation counts as empty (logged): grace then starts again. */
    static Map<String, Instant> read(StatefulSet sts) {
        Map<String, String> annotations = sts.getMetadata().getAnnotations();
        String json = annotations == null ? null : annotations.get(ANNOTATION);
        Map<String, Instant> out = new TreeMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        try {
            Map<String, String> raw = Json.mapper().readValue(json, new TypeReference<Map<String, String>>() { });
            raw.forEach((pod, at) -> out.put(pod, Instant.parse(at)));
        } catch (RuntimeException e) { // JacksonException included: unchecked in Jackson 3
            LOG.warn("ignoring unreadable {} annotation ({}): grace periods start again", ANNOTATION, e.getMessage());
            out.clear();
        }
        return out;
    }

    /** What to remember now: the unhealthy replicas keep their first-seen time or start at {@code now}; others are dropped. */
    static Map<String, Instant> update(Map<String, Instant> before, Collection<MemberHealth> health, Instant now) {
        Map<String, Instant> after = new TreeMap<>();
        for (MemberHealth h : health) {
            if (!h.healthy()) {
                after.put(h.pod(), before.getOrDefault(h.pod(), now.truncatedTo(ChronoUnit.SECONDS)));
            }
        }
        return after;
    }

    /** Writes {@code since} (removing the annotation when empty) if it differs from what the StatefulSet holds. */
    static void write(KubernetesClient client, StatefulSet sts, Map<String, Instant> since) {
        if (read(sts).equals(since)) {
            return;
        }
        String ns = sts.getMetadata().getNamespace();
        String name = sts.getMetadata().getName();
        try {
            if (since.isEmpty()) {
                // edit() sends a JSON patch "remove"; a merge patch's null is not honoured everywhere
                client.apps().statefulSets().inNamespace(ns).withName(name).edit(s -> {
                    if (s.getMetadata().getAnnotations() != null) {
                        s.getMetadata().getAnnotations().remove(ANNOTATION);
                    }
                    return s;
                });
                return;
            }
            Map<String, String> raw = new TreeMap<>();
            since.forEach((pod, at) -> raw.put(pod, at.toString()));
            String value = Json.mapper().writeValueAsString(raw);
            String patch = Json.mapper().writeValueAsString(Map.of("metadata", Map.of("annotations", Map.of(ANNOTATION, value))));
            client.apps().statefulSets().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot write the " + ANNOTATION + " annotation on StatefulSet " + ns + "/" + name
                    + (e.getCode() == 403 ? ": the job's ServiceAccount needs patch on statefulsets.apps" : ": " + e.getMessage()), e);
        }
    }
}
