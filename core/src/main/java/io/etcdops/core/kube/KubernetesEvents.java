package io.etcdops.core.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kubernetes Events on the target StatefulSet, so {@code kubectl describe statefulset} and event-based alerting show
 * what etcd-ops did (reason, message, type Normal/Warning). Uses {@code core/v1} Events — the API every cluster and
 * {@code kubectl describe} serve, needing only {@code create} on {@code events} — rather than {@code events.k8s.io/v1}.
 * Emitting never fails a job: an Event that cannot be written is logged at WARN and dropped.
 */
public final class KubernetesEvents {
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEvents.class);
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final String namespace;
    private final String statefulSet;
    private final String component;
    private final String instance;
    private volatile String uid;

    /**
     * @param component who reports, e.g. {@code etcd-ops-restore}
     * @param instance  which run, e.g. the job's pod ({@link KubernetesEnvironment#identity()})
     */
    public KubernetesEvents(KubernetesClient client, String namespace, String statefulSet, String component, String instance) {
        this.client = client;
        this.namespace = namespace;
        this.statefulSet = statefulSet;
        this.component = component;
        this.instance = instance;
    }

    public static KubernetesEvents on(KubernetesClient client, StatefulSetTarget target, String component, String instance) {
        KubernetesEvents e = new KubernetesEvents(client, target.namespace(), target.name(), component, instance);
        e.uid = target.statefulSet().getMetadata().getUid();
        return e;
    }

    public void normal(String reason, String message) {
        emit(NORMAL, reason, message);
    }

    public void warning(String reason, String message) {
        emit(WARNING, reason, message);
    }

    /** Writes one Event; returns it, or null when it could not be written (logged). */
    public Event emit(String type, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
        try {
            Event e = new EventBuilder().withNewMetadata()
                    .withName(statefulSet + "." + Long.toHexString(System.currentTimeMillis())
                            + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt()))
                    .withNamespace(namespace).endMetadata()
                    .withNewInvolvedObject().withApiVersion("apps/v1").withKind("StatefulSet").withName(statefulSet)
                    .withNamespace(namespace).withUid(uid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(text)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component).withReportingInstance(instance)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build();
            return client.v1().events().inNamespace(namespace).resource(e).create();
        } catch (RuntimeException ex) {
            LOG.warn("could not write Event {} on StatefulSet {}/{}: {}", reason, namespace, statefulSet, ex.getMessage());
            return null;
        }
    }

    private String uid() {
        if (uid == null) {
            try {
                StatefulSet s = client.apps().statefulSets().inNamespace(namespace).withName(statefulSet).get();
                uid = s == null ? null : s.getMetadata().getUid();
            } catch (RuntimeException e) {
                LOG.debug("no uid for StatefulSet {}/{}", namespace, statefulSet, e);
            }
        }
        return uid;
    }
}
