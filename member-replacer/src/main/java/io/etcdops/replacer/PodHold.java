package io.etcdops.replacer;

import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Keeps a replica's pod <em>name</em> taken while its volume is re-seeded, so the StatefulSet controller cannot start a
 * new etcd on it too early. A finalizer ({@value #FINALIZER}) on the pod does it: deleting the pod stops its
 * containers as usual, but the pod object stays {@code Terminating} until the finalizer is removed, and the controller
 * does not create a pod whose name is still taken. Nothing about the StatefulSet changes, so no other pod restarts.
 * RBAC: {@code get}, {@code patch}, {@code delete} on pods.
 */
final class PodHold {
    static final String FINALIZER = "etcd-ops.io/member-replacer";
    private static final Logger LOG = LoggerFactory.getLogger(PodHold.class);

    private final KubernetesClient client;
    private final String namespace;

    PodHold(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    static boolean held(Pod p) {
        return p.getMetadata().getFinalizers() != null && p.getMetadata().getFinalizers().contains(FINALIZER);
    }

    Optional<Pod> get(String pod) {
        return Optional.ofNullable(client.pods().inNamespace(namespace).withName(pod).get());
    }

    /**
     * Holds pod {@code name}, waiting (up to {@code timeout}) for the controller to create it if it is missing, and for
     * a pod someone else is deleting to be gone first (Kubernetes allows no new finalizer on a terminating object).
     */
    Pod hold(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Pod> p = get(name);
            if (p.isPresent() && held(p.get())) {
                return p.get();
            }
            if (p.isPresent() && p.get().getMetadata().getDeletionTimestamp() == null) {
                try {
                    Pod updated = client.pods().inNamespace(namespace).withName(name).edit(x -> {
                        if (!x.getMetadata().getFinalizers().contains(FINALIZER)) {
                            x.getMetadata().getFinalizers().add(FINALIZER);
                        }
                        return x;
                    });
                    LOG.info("holding pod {}/{} (finalizer {})", namespace, name, FINALIZER);
                    return updated;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409 && e.getCode() != 404) {
                        throw apiError("hold pod " + name, e);
                    }
                }
            }
            sleepUntil(deadline, "pod " + name + " to exist (not terminating) so it can be held");
        }
    }

    /** Deletes the held pod (its containers stop; the object stays) and waits until its containers have stopped. */
    void stop(String name, Duration timeout) {
        Optional<Pod> p = get(name);
        if (p.isEmpty()) {
            throw JobException.failed("pod " + name + " vanished while held: was " + FINALIZER + " removed by hand? rerun to re-plan");
        }
        if (p.get().getMetadata().getDeletionTimestamp() == null) {
            client.pods().inNamespace(namespace).withName(name).delete();
            LOG.info("deleted pod {}/{}; waiting for its containers to stop", namespace, name);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Pod> now = get(name);
            if (now.isEmpty()) {
                throw JobException.failed("pod " + name + " vanished while held: was " + FINALIZER + " removed by hand? rerun to re-plan");
            }
            if (stopped(now.get())) {
                return;
            }
            sleepUntil(deadline, "the containers of pod " + name + " to stop (if its node is down, the pod cannot stop "
                    + "by itself: see docs/runbooks/replace-a-member.md, 'node lost')");
        }
    }

    /**
     * A deleted pod whose kubelet is done: it issued the final delete (grace period 0), or reported a terminal phase, or
     * every container has terminated. Until then its etcd may still be writing to the volume.
     */
    static boolean stopped(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() == null) {
            return false;
        }
        Long grace = p.getMetadata().getDeletionGracePeriodSeconds();
        if (grace != null && grace == 0) {
            return true;
        }
        if (p.getStatus() == null) {
            return false;
        }
        String phase = p.getStatus().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return true;
        }
        List<ContainerStatus> cs = p.getStatus().getContainerStatuses();
        return !cs.isEmpty() && cs.stream().allMatch(c -> c.getState() != null && c.getState().getTerminated() != null);
    }

    /** Removes the hold: the pod object goes away and the StatefulSet controller creates the replica again. */
    void release(String name) {
        try {
            client.pods().inNamespace(namespace).withName(name).edit(x -> {
                x.getMetadata().getFinalizers().remove(FINALIZER);
                return x;
            });
            LOG.info("released pod {}/{}", namespace, name);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw apiError("release pod " + name, e);
            }
        }
    }

    /** Waits until no pod object of that uid remains (the controller may already have created the next one). */
    void awaitGone(String name, String uid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Pod> p = get(name);
            if (p.isEmpty() || !p.get().getMetadata().getUid().equals(uid)) {
                return;
            }
            sleepUntil(deadline, "pod " + name + " (uid " + uid + ") to be gone");
        }
    }

    private JobException apiError(String what, KubernetesClientException e) {
        if (e.getCode() == 403) {
            return JobException.usage("not allowed to " + what + " in " + namespace + ": the job's ServiceAccount needs get, "
                    + "patch and delete on pods");
        }
        return JobException.failed("cannot " + what + " in " + namespace + ": " + e.getMessage(), e);
    }

    static void sleepUntil(long deadline, String waitingFor) {
        if (System.nanoTime() > deadline) {
            throw JobException.failed("timed out waiting for " + waitingFor);
        }
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted waiting for " + waitingFor);
        }
    }
}
