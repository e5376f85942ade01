package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated node's kubelet, run on the controller thread. It runs every pod of the node as a {@link PodRuntime}
 * and reports its status.
 *
 * <p>On fabric8's mock it adopts every pod (adding a finalizer so that, as on Kubernetes, a deleted pod stays
 * {@code Terminating} until its processes are gone), releases the finalizer once the processes have exited, and plays
 * the PVC protection controller: a claim being deleted stays until no pod uses it; then its folder is deleted.
 *
 * <p>On the real control plane it does what the kubelet does instead: it sees only the pods bound to its node, and a
 * deleted pod, once its processes have exited, gets its final status (phase {@code Failed}, or {@code Succeeded} if
 * every container exited 0) and is deleted with grace period 0 — the real API server holds a gracefully deleted pod
 * until then. PVC protection is the real controller's.
 */
final class Kubelet {
    static final String POD_FINALIZER = "simulation.etcd-ops.io/kubelet";
    static final String PVC_FINALIZER = "kubernetes.io/pvc-protection";

    private final SimulationContext sim;
    private final Map<String, PodRuntime> byUid = new ConcurrentHashMap<>();
    private final Map<String, String> published = new HashMap<>();
    private final Set<String> finallyDeleted = new HashSet<>();

    Kubelet(SimulationContext sim) {
        this.sim = sim;
    }

    void sync() {
        List<Pod> pods = sim.podsOnNode();
        Set<String> seen = new HashSet<>();
        for (Pod pod : pods) {
            String uid = pod.getMetadata().getUid();
            seen.add(uid);
            PodRuntime rt = byUid.get(uid);
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                if (rt != null) {
                    rt.requestStop(sim.onControlPlane() ? pod.getMetadata().getDeletionGracePeriodSeconds() : null);
                    if (!rt.terminated()) {
                        continue;
                    }
                }
                if (sim.onControlPlane()) {
                    finishDeletion(pod, rt);
                } else {
                    removeFinalizer(pod);
                }
                forget(uid);
                continue;
            }
            if (rt == null) {
                if (stillStopping(pod)) {
                    continue;
                }
                if (!sim.onControlPlane() && !pod.getMetadata().getFinalizers().contains(POD_FINALIZER)) {
                    addFinalizer(pod);
                    continue;
                }
                String ip = sim.network().ipFor(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                if (pod.getSpec().getSubdomain() != null && !pod.getSpec().getSubdomain().isEmpty()) {
                    sim.network().registerPod(pod.getMetadata().getNamespace(),
                            Optional.ofNullable(pod.getSpec().getHostname()).orElse(pod.getMetadata().getName()),
                            pod.getSpec().getSubdomain());
                }
                rt = new PodRuntime(sim, pod, ip);
                byUid.put(uid, rt);
                rt.start();
            }
            publish(pod, rt.status());
        }
        for (String uid : Set.copyOf(byUid.keySet())) {
            if (!seen.contains(uid)) {
                PodRuntime rt = byUid.get(uid);
                rt.requestStop();
                if (rt.terminated()) {
                    forget(uid);
                }
            }
        }
        finallyDeleted.retainAll(seen);
        if (!sim.onControlPlane()) {
            protectClaims(pods);
        }
    }

    /** Real control plane: the stopped pod's final status, then the delete with grace 0 that removes it. */
    private void finishDeletion(Pod pod, PodRuntime rt) {
        String uid = pod.getMetadata().getUid();
        if (!finallyDeleted.add(uid)) {
            return; // held by someone else's finalizer; deleted once already
        }
        PodStatus status = rt != null ? rt.status() : Optional.ofNullable(pod.getStatus()).orElseGet(PodStatus::new);
        if (!"Succeeded".equals(status.getPhase()) && !"Failed".equals(status.getPhase())) {
            boolean allZero = !status.getContainerStatuses().isEmpty() && status.getContainerStatuses().stream()
                    .allMatch(cs -> cs.getState() != null && cs.getState().getTerminated() != null
                            && cs.getState().getTerminated().getExitCode() == 0);
            status.setPhase(allZero ? "Succeeded" : "Failed");
        }
        status.getConditions().forEach(c -> {
            if (c.getType().equals("Ready") || c.getType().equals("ContainersReady")) {
                c.setStatus("False");
            }
        });
        published.remove(uid);
        publish(pod, status);
        try {
            sim.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            finallyDeleted.remove(uid);
            ignoreGoneOrConflict(e);
        }
    }

    /** The runtime of the pod of that name: the running one if there is one, else the finished one. */
    Optional<PodRuntime> runtime(String namespace, String name) {
        List<PodRuntime> named = byUid.values().stream().filter(r -> r.namespace().equals(namespace) && r.name().equals(name)).toList();
        return named.stream().filter(r -> !r.terminated()).findFirst().or(() -> named.stream().findFirst());
    }

    List<String> errorsOf(String namespace, String podName) {
        return byUid.values().stream().filter(r -> r.namespace().equals(namespace) && r.name().equals(podName))
                .map(PodRuntime::error).filter(Objects::nonNull).toList();
    }

    Optional<Path> logFile(String namespace, String pod, String container) {
        return runtime(namespace, pod).map(r -> r.logFile(container));
    }

    void stopAll() {
        byUid.values().forEach(PodRuntime::requestStop);
        long deadline = System.currentTimeMillis() + 20_000;
        while (byUid.values().stream().anyMatch(r -> !r.terminated()) && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean stillStopping(Pod pod) {
        return byUid.values().stream().anyMatch(r -> r.namespace().equals(pod.getMetadata().getNamespace())
                && r.name().equals(pod.getMetadata().getName()) && !r.uid().equals(pod.getMetadata().getUid()) && !r.terminated());
    }

    private void forget(String uid) {
        byUid.remove(uid);
        published.remove(uid);
    }

    private void publish(Pod pod, PodStatus status) {
        String json = Serialization.asJson(status);
        String uid = pod.getMetadata().getUid();
        if (json.equals(published.get(uid))) {
            return;
        }
        if (pod.getStatus() != null && status.getQosClass() == null) {
            status.setQosClass(pod.getStatus().getQosClass()); // set by the API server at creation, immutable
        }
        pod.setStatus(status);
        try {
            sim.client().pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
            published.put(uid, json);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void addFinalizer(Pod pod) {
        try {
            sim.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
                if (p.getMetadata().getUid().equals(pod.getMetadata().getUid()) && !p.getMetadata().getFinalizers().contains(POD_FINALIZER)) {
                    p.getMetadata().getFinalizers().add(POD_FINALIZER);
                }
                return p;
            });
        } catch (KubernetesClientException e) {
            ignoreGoneOrConflict(e);
        }
    }

    private void removeFinalizer(Pod pod) {
        if (!pod.getMetadata().getFinalizers().contains(POD_FINALIZER)) {
            return;
        }
        try {
            sim.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
                p.getMetadata().getFinalizers().remove(POD_FINALIZER);
                return p;
            });
        } catch (KubernetesClientException e) {
            ignoreGoneOrConflict(e);
        }
    }

    /** PVC protection and reclaim: a claim in deletion loses its finalizer once no pod uses it; its folder goes. */
    private void protectClaims(List<Pod> pods) {
        List<PersistentVolumeClaim> claims = sim.client().persistentVolumeClaims().inAnyNamespace().list().getItems();
        Set<String> inUse = new HashSet<>();
        for (Pod p : pods) {
            for (Volume v : p.getSpec().getVolumes()) {
                if (v.getPersistentVolumeClaim() != null) {
                    inUse.add(p.getMetadata().getNamespace() + "/" + v.getPersistentVolumeClaim().getClaimName());
                }
            }
        }
        Set<String> live = new HashSet<>();
        for (PersistentVolumeClaim pvc : claims) {
            live.add(pvc.getMetadata().getUid());
            String key = pvc.getMetadata().getNamespace() + "/" + pvc.getMetadata().getName();
            if (pvc.getMetadata().getDeletionTimestamp() != null && !inUse.contains(key)
                    && pvc.getMetadata().getFinalizers().contains(PVC_FINALIZER)) {
                try {
                    sim.client().persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace())
                            .withName(pvc.getMetadata().getName()).edit(c -> {
                                c.getMetadata().getFinalizers().remove(PVC_FINALIZER);
                                return c;
                            });
                } catch (KubernetesClientException e) {
                    ignoreGoneOrConflict(e);
                }
            } else if (pvc.getMetadata().getDeletionTimestamp() == null && !pvc.getMetadata().getFinalizers().contains(PVC_FINALIZER)) {
                try {
                    sim.client().persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace())
                            .withName(pvc.getMetadata().getName()).edit(c -> {
                                if (!c.getMetadata().getFinalizers().contains(PVC_FINALIZER)) {
                                    c.getMetadata().getFinalizers().add(PVC_FINALIZER);
                                }
                                return c;
                            });
                } catch (KubernetesClientException e) {
                    ignoreGoneOrConflict(e);
                }
            } else if (pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase())) {
                pvc.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                        .withAccessModes(pvc.getSpec().getAccessModes())
                        .withCapacity(pvc.getSpec().getResources() == null ? null : pvc.getSpec().getResources().getRequests())
                        .build());
                try {
                    sim.client().persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace()).resource(pvc).updateStatus();
                } catch (KubernetesClientException e) {
                    ignoreGoneOrConflict(e);
                }
            }
        }
        sim.volumes().reclaim(live);
    }

    private static void ignoreGoneOrConflict(KubernetesClientException e) {
        if (e.getCode() != 404 && e.getCode() != 409) {
            throw e;
        }
    }
}
