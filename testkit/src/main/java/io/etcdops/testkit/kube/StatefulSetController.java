package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The StatefulSet controller of the simulation, reconciled from the API's state on every tick:
 * <ul>
 *   <li>pods {@code <sts>-<i>} from the template (hostname and subdomain set, so per-pod DNS works), PVCs
 *   {@code <claim>-<sts>-<i>} from {@code volumeClaimTemplates} (kept on scale-down and pod deletion: retention
 *   policy Retain);</li>
 *   <li>{@code OrderedReady}: one pod at a time in ordinal order, each Ready before the next, scale-down highest
 *   first one at a time; {@code Parallel}: all at once;</li>
 *   <li>{@code RollingUpdate}: when every pod is Ready, the highest ordinal {@code >= partition} not on the update
 *   revision is deleted and recreated from the new template; ordinals below the partition are recreated from the
 *   current revision. {@code OnDelete}: nothing until a pod is deleted, which comes back on the update revision;</li>
 *   <li>deleted and failed pods are recreated; status {@code replicas}, {@code readyReplicas},
 *   {@code currentReplicas}, {@code updatedReplicas}, {@code currentRevision}, {@code updateRevision} and
 *   {@code observedGeneration} follow the pods.</li>
 * </ul>
 * Revisions are {@code <sts>-<hash of the pod template>} and remembered in memory (no ControllerRevision objects).
 */
final class StatefulSetController {
    static final String REVISION_LABEL = "controller-revision-hash";
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

    private final SimulationContext sim;
    private final Map<String, Map<String, PodTemplateSpec>> templates = new ConcurrentHashMap<>();
    private final Map<String, String> currentRevisions = new ConcurrentHashMap<>();
    private final Map<String, String> publishedStatus = new HashMap<>();

    StatefulSetController(SimulationContext sim) {
        this.sim = sim;
    }

    void sync() {
        List<StatefulSet> sets = sim.client().apps().statefulSets().inAnyNamespace().list().getItems();
        List<Pod> pods = sim.client().pods().inAnyNamespace().list().getItems();
        Map<String, PersistentVolumeClaim> claims = sim.client().persistentVolumeClaims().inAnyNamespace().list().getItems()
                .stream().collect(Collectors.toMap(c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(), c -> c));
        Set<String> uids = sets.stream().map(s -> s.getMetadata().getUid()).collect(Collectors.toSet());
        for (StatefulSet sts : sets) {
            Map<Integer, Pod> owned = new TreeMap<>();
            for (Pod p : pods) {
                if (ownedBy(p, sts.getMetadata().getUid())) {
                    ordinal(sts, p).ifPresent(i -> owned.put(i, p));
                }
            }
            reconcile(sts, owned, claims);
        }
        for (Pod p : pods) {
            OwnerReference ref = controllerOf(p);
            if (ref != null && "StatefulSet".equals(ref.getKind()) && !uids.contains(ref.getUid())
                    && p.getMetadata().getDeletionTimestamp() == null) {
                delete(p);
            }
        }
        templates.keySet().retainAll(uids);
        currentRevisions.keySet().retainAll(uids);
    }

    private void reconcile(StatefulSet sts, Map<Integer, Pod> pods, Map<String, PersistentVolumeClaim> claims) {
        String uid = sts.getMetadata().getUid();
        String ns = sts.getMetadata().getNamespace();
        int replicas = Optional.ofNullable(sts.getSpec().getReplicas()).orElse(1);
        String updateRevision = sts.getMetadata().getName() + "-" + hash(sts.getSpec().getTemplate());
        templates.computeIfAbsent(uid, k -> new ConcurrentHashMap<>()).putIfAbsent(updateRevision, sts.getSpec().getTemplate());
        String currentRevision = currentRevisions.computeIfAbsent(uid, k -> updateRevision);
        boolean ordered = !"Parallel".equals(sts.getSpec().getPodManagementPolicy());
        String strategy = sts.getSpec().getUpdateStrategy() == null || sts.getSpec().getUpdateStrategy().getType() == null
                ? "RollingUpdate" : sts.getSpec().getUpdateStrategy().getType();
        int partition = "RollingUpdate".equals(strategy) && sts.getSpec().getUpdateStrategy() != null
                && sts.getSpec().getUpdateStrategy().getRollingUpdate() != null
                ? Optional.ofNullable(sts.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).orElse(0) : 0;

        int maxOrdinal = Math.max(replicas, pods.keySet().stream().mapToInt(i -> i + 1).max().orElse(0));
        if (sts.getSpec().getServiceName() != null && !sts.getSpec().getServiceName().isEmpty()) {
            for (int i = 0; i <= maxOrdinal; i++) {
                sim.network().registerPod(ns, podName(sts, i), sts.getSpec().getServiceName());
            }
        }

        for (Pod p : pods.values()) {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if (("Failed".equals(phase) || "Succeeded".equals(phase)) && !terminating(p)) {
                delete(p);
            }
        }

        boolean allReady = true;
        for (int i = 0; i < replicas; i++) {
            Pod p = pods.get(i);
            if (p == null) {
                allReady = false;
                if (claimsTerminating(sts, i, claims)) {
                    if (ordered) {
                        break;
                    }
                    continue;
                }
                boolean useUpdate = !"RollingUpdate".equals(strategy) || i >= partition;
                String rev = useUpdate ? updateRevision : currentRevision;
                PodTemplateSpec template = templates.get(uid).getOrDefault(rev, sts.getSpec().getTemplate());
                createClaims(sts, i, claims);
                create(newPod(sts, i, template, rev));
                if (ordered) {
                    break;
                }
            } else if (terminating(p) || !ready(p)) {
                allReady = false;
                if (ordered) {
                    break;
                }
            }
        }

        List<Integer> excess = pods.keySet().stream().filter(i -> i >= replicas).sorted((a, b) -> b - a).toList();
        if (!excess.isEmpty() && (!ordered || allReady)) {
            for (int i : excess) {
                Pod p = pods.get(i);
                if (ordered && terminating(p)) {
                    break;
                }
                if (!terminating(p)) {
                    delete(p);
                }
                if (ordered) {
                    break;
                }
            }
        }

        if ("RollingUpdate".equals(strategy) && allReady && excess.isEmpty()) {
            for (int i = replicas - 1; i >= partition; i--) {
                Pod p = pods.get(i);
                if (p != null && !updateRevision.equals(revisionOf(p))) {
                    delete(p);
                    break;
                }
            }
        }

        long updated = pods.entrySet().stream().filter(e -> e.getKey() < replicas && updateRevision.equals(revisionOf(e.getValue()))).count();
        long ready = pods.values().stream().filter(p -> !terminating(p) && ready(p)).count();
        if (updated == replicas && ready >= replicas && excess.isEmpty()) {
            currentRevision = updateRevision;
            currentRevisions.put(uid, updateRevision);
            templates.get(uid).keySet().retainAll(Set.of(updateRevision));
        }
        String cur = currentRevision;
        long current = pods.values().stream().filter(p -> cur.equals(revisionOf(p))).count();
        StatefulSetStatus status = new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(pods.size())
                .withReadyReplicas((int) ready)
                .withAvailableReplicas((int) ready)
                .withCurrentReplicas((int) current)
                .withUpdatedReplicas((int) updated)
                .withCurrentRevision(currentRevision)
                .withUpdateRevision(updateRevision)
                .withCollisionCount(0)
                .build();
        publishStatus(sts, status);
    }

    private void publishStatus(StatefulSet sts, StatefulSetStatus status) {
        String json = Serialization.asJson(status);
        String uid = sts.getMetadata().getUid();
        if (json.equals(publishedStatus.get(uid)) && sts.getStatus() != null && json.equals(Serialization.asJson(sts.getStatus()))) {
            return;
        }
        sts.setStatus(status);
        try {
            sim.client().apps().statefulSets().inNamespace(sts.getMetadata().getNamespace()).resource(sts).updateStatus();
            publishedStatus.put(uid, json);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
        }
    }

    private Pod newPod(StatefulSet sts, int ordinal, PodTemplateSpec template, String revision) {
        String name = podName(sts, ordinal);
        PodSpec spec = Serialization.unmarshal(Serialization.asJson(template.getSpec()), PodSpec.class);
        spec.setHostname(name);
        spec.setSubdomain(sts.getSpec().getServiceName());
        List<Volume> volumes = new ArrayList<>(spec.getVolumes());
        for (PersistentVolumeClaim vct : sts.getSpec().getVolumeClaimTemplates()) {
            String vol = vct.getMetadata().getName();
            volumes.removeIf(v -> v.getName().equals(vol));
            volumes.add(new VolumeBuilder().withName(vol).withNewPersistentVolumeClaim()
                    .withClaimName(claimName(vct, sts, ordinal)).endPersistentVolumeClaim().build());
        }
        spec.setVolumes(volumes);
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(POD_NAME_LABEL, name);
        labels.put(REVISION_LABEL, revision);
        labels.put(POD_INDEX_LABEL, String.valueOf(ordinal));
        Map<String, String> annotations = template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? Map.of() : template.getMetadata().getAnnotations();
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(sts.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(annotations).withOwnerReferences(ownerReference(sts)).endMetadata()
                .withSpec(spec).build();
    }

    private void createClaims(StatefulSet sts, int ordinal, Map<String, PersistentVolumeClaim> claims) {
        for (PersistentVolumeClaim vct : sts.getSpec().getVolumeClaimTemplates()) {
            String name = claimName(vct, sts, ordinal);
            if (claims.containsKey(sts.getMetadata().getNamespace() + "/" + name)) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (sts.getSpec().getSelector() != null && sts.getSpec().getSelector().getMatchLabels() != null) {
                labels.putAll(sts.getSpec().getSelector().getMatchLabels());
            }
            PersistentVolumeClaimSpec spec = Serialization.unmarshal(Serialization.asJson(vct.getSpec()), PersistentVolumeClaimSpec.class);
            create(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(sts.getMetadata().getNamespace())
                    .withLabels(labels).endMetadata().withSpec(spec).build());
        }
    }

    private boolean claimsTerminating(StatefulSet sts, int ordinal, Map<String, PersistentVolumeClaim> claims) {
        for (PersistentVolumeClaim vct : sts.getSpec().getVolumeClaimTemplates()) {
            PersistentVolumeClaim c = claims.get(sts.getMetadata().getNamespace() + "/" + claimName(vct, sts, ordinal));
            if (c != null && c.getMetadata().getDeletionTimestamp() != null) {
                return true;
            }
        }
        return false;
    }

    static String claimName(PersistentVolumeClaim template, StatefulSet sts, int ordinal) {
        return template.getMetadata().getName() + "-" + podName(sts, ordinal);
    }

    static String podName(StatefulSet sts, int ordinal) {
        return sts.getMetadata().getName() + "-" + ordinal;
    }

    private void create(HasMetadata resource) {
        try {
            sim.client().resource(resource).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void delete(Pod p) {
        sim.client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
    }

    static Optional<Integer> ordinal(StatefulSet sts, Pod p) {
        String prefix = sts.getMetadata().getName() + "-";
        String name = p.getMetadata().getName();
        if (!name.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(name.substring(prefix.length())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean terminating(Pod p) {
        return p.getMetadata().getDeletionTimestamp() != null;
    }

    static String revisionOf(Pod p) {
        return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(REVISION_LABEL);
    }

    static boolean ownedBy(HasMetadata o, String uid) {
        OwnerReference ref = controllerOf(o);
        return ref != null && uid.equals(ref.getUid());
    }

    static OwnerReference controllerOf(HasMetadata o) {
        return o.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst().orElse(null);
    }

    static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    static String hash(PodTemplateSpec template) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
