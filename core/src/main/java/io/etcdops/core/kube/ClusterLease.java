package io.etcdops.core.kube;

import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one-mutating-operation-per-cluster lock (docs/design.md safety invariant 4): a {@code coordination.k8s.io/v1} Lease
 * named {@code etcd-ops-<statefulset>} next to the StatefulSet, held for the whole run and renewed every third of its
 * duration. A lease whose holder stopped renewing for longer than its duration (a crashed job) is taken over; one that
 * is held is refused (exit 3) naming the holder and when it expires. Every write is optimistic (resourceVersion), so
 * two jobs racing for a free or expired lease cannot both win.
 *
 * <p>RBAC: {@code get}, {@code create}, {@code update} on {@code leases.coordination.k8s.io} in the target namespace.
 */
public final class ClusterLease {
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    public static final String OPERATION_ANNOTATION = "etcd-ops.io/operation";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLease.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String namespace;
    private final String statefulSet;
    private final String holder;
    private final Duration duration;

    public ClusterLease(KubernetesClient client, String namespace, String statefulSet, String holder, Duration duration) {
        if (duration.getSeconds() < 1) {
            throw new IllegalArgumentException("lease duration must be at least 1s");
        }
        this.client = client;
        this.namespace = namespace;
        this.statefulSet = statefulSet;
        this.holder = holder;
        this.duration = duration;
    }

    /** The lock of {@code target}, held by {@code holder} (see {@link KubernetesEnvironment#identity()}). */
    public static ClusterLease of(KubernetesClient client, StatefulSetTarget target, String holder) {
        return new ClusterLease(client, target.namespace(), target.name(), holder, DEFAULT_DURATION);
    }

    public static String leaseName(String statefulSet) {
        return "etcd-ops-" + statefulSet;
    }

    public String name() {
        return leaseName(statefulSet);
    }

    /**
     * Takes the lock for {@code operation} (e.g. {@code restore}) and keeps renewing it until the returned handle is
     * closed. Refused (exit 3) while another holder's lease is current.
     */
    public Held acquire(String operation) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Instant now = Instant.now();
            Lease current = get();
            try {
                if (current == null) {
                    Lease created = client.leases().inNamespace(namespace).resource(newLease(operation, now)).create();
                    LOG.info("took cluster lock Lease {}/{} for {} as {}", namespace, name(), operation, holder);
                    return new Held(operation, created);
                }
                String other = current.getSpec().getHolderIdentity();
                Instant expiry = expiry(current);
                boolean free = other == null || other.isEmpty() || other.equals(holder);
                if (!free && expiry.isAfter(now)) {
                    throw JobException.refused("cluster lock Lease " + namespace + "/" + name() + " is held by " + other
                            + operationOf(current) + " until " + expiry.truncatedTo(ChronoUnit.SECONDS)
                            + " unless renewed: another etcd-ops operation is running on StatefulSet " + statefulSet
                            + "; wait for it (a crashed holder's lease expires by itself)");
                }
                if (!free) {
                    LOG.warn("taking over expired cluster lock Lease {}/{}: {} last renewed it at {} and it expired at {}",
                            namespace, name(), other, renewTime(current), expiry);
                }
                Lease mine = new LeaseBuilder(current).editMetadata().addToAnnotations(OPERATION_ANNOTATION, operation).endMetadata()
                        .editSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) duration.getSeconds())
                        .withAcquireTime(time(now)).withRenewTime(time(now))
                        .withLeaseTransitions(transitions(current) + (free && holder.equals(other) ? 0 : 1)).endSpec().build();
                Lease updated = client.leases().inNamespace(namespace).resource(mine).update();
                LOG.info("took cluster lock Lease {}/{} for {} as {}", namespace, name(), operation, holder);
                return new Held(operation, updated);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw apiError("take", e);
                }
                LOG.debug("cluster lock Lease {}/{} changed while taking it (attempt {}), re-reading", namespace, name(), attempt);
            }
        }
        throw JobException.refused("cluster lock Lease " + namespace + "/" + name() + " kept changing under us ("
                + ATTEMPTS + " attempts): another job is taking it");
    }

    private Lease get() {
        try {
            return client.leases().inNamespace(namespace).withName(name()).get();
        } catch (KubernetesClientException e) {
            throw apiError("read", e);
        }
    }

    private Lease newLease(String operation, Instant now) {
        Map<String, String> labels = new HashMap<>();
        labels.put("app.kubernetes.io/managed-by", "etcd-ops");
        return new LeaseBuilder().withNewMetadata().withName(name()).withNamespace(namespace).withLabels(labels)
                .addToAnnotations(OPERATION_ANNOTATION, operation).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds((int) duration.getSeconds())
                .withAcquireTime(time(now)).withRenewTime(time(now)).withLeaseTransitions(0).endSpec().build();
    }

    private JobException apiError(String what, KubernetesClientException e) {
        if (e.getCode() == 403) {
            return JobException.usage("not allowed to " + what + " Lease " + namespace + "/" + name()
                    + ": the job's ServiceAccount needs get, create and update on leases.coordination.k8s.io");
        }
        return JobException.failed("cannot " + what + " cluster lock Lease " + namespace + "/" + name() + ": " + e.getMessage(), e);
    }

    static Instant expiry(Lease l) {
        int seconds = Optional.ofNullable(l.getSpec().getLeaseDurationSeconds()).orElse(0);
        return renewTime(l).plusSeconds(seconds);
    }

    private static Instant renewTime(Lease l) {
        ZonedDateTime t = Optional.ofNullable(l.getSpec().getRenewTime()).orElse(l.getSpec().getAcquireTime());
        return t == null ? Instant.EPOCH : t.toInstant();
    }

    private static int transitions(Lease l) {
        return Optional.ofNullable(l.getSpec().getLeaseTransitions()).orElse(0);
    }

    private static String operationOf(Lease l) {
        String op = l.getMetadata().getAnnotations() == null ? null : l.getMetadata().getAnnotations().get(OPERATION_ANNOTATION);
        return op == null ? "" : " (" + op + ")";
    }

    private static ZonedDateTime time(Instant i) {
        return ZonedDateTime.ofInstant(i.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    /** A held lock: renewed in the background until closed; closing releases it for the next job at once. */
    public final class Held implements AutoCloseable {
        private final String operation;
        private final ScheduledExecutorService renewer;
        private volatile Instant lastRenewed;
        private volatile String lostTo;
        private volatile boolean closed;

        private Held(String operation, Lease lease) {
            this.operation = operation;
            this.lastRenewed = renewTime(lease);
            this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "etcd-ops-lease-renewal");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(200, duration.toMillis() / 3);
            renewer.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
        }

        public String holder() {
            return holder;
        }

        public String operation() {
            return operation;
        }

        /** False once another holder took the lease or renewals failed for longer than its duration. */
        public boolean held() {
            return lostTo == null && !closed && lastRenewed.plus(duration).isAfter(Instant.now());
        }

        /** Call before each mutating step: a lost lock stops the job (exit 1) before it acts without it. */
        public void ensureHeld() {
            if (!held()) {
                throw JobException.failed("lost the cluster lock Lease " + namespace + "/" + name()
                        + (lostTo != null ? " to " + lostTo : " (not renewed since " + lastRenewed.truncatedTo(ChronoUnit.SECONDS) + ")")
                        + "; stopping before the next step of " + operation);
            }
        }

        private void renew() {
            try {
                Lease l = get();
                if (l == null || !holder.equals(l.getSpec().getHolderIdentity())) {
                    lostTo = l == null ? "nobody (the Lease was deleted)" : String.valueOf(l.getSpec().getHolderIdentity());
                    LOG.error("cluster lock Lease {}/{} is no longer ours: held by {}", namespace, name(), lostTo);
                    renewer.shutdown();
                    return;
                }
                Instant now = Instant.now();
                l.getSpec().setRenewTime(time(now));
                client.leases().inNamespace(namespace).resource(l).update();
                lastRenewed = now;
            } catch (RuntimeException e) {
                LOG.warn("renewing cluster lock Lease {}/{} failed (will retry): {}", namespace, name(), e.getMessage());
            }
        }

        /** Stops renewing and frees the lease (holder cleared); a failure here only delays the next job until expiry. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            renewer.shutdownNow();
            try {
                renewer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (lostTo != null) {
                return;
            }
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    Lease l = get();
                    if (l == null || !holder.equals(l.getSpec().getHolderIdentity())) {
                        return;
                    }
                    l.getSpec().setHolderIdentity(null);
                    l.getSpec().setRenewTime(time(Instant.now()));
                    client.leases().inNamespace(namespace).resource(l).update();
                    LOG.info("released cluster lock Lease {}/{}", namespace, name());
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        LOG.warn("releasing cluster lock Lease {}/{} failed; it expires by itself: {}", namespace, name(), e.getMessage());
                        return;
                    }
                } catch (RuntimeException e) {
                    LOG.warn("releasing cluster lock Lease {}/{} failed; it expires by itself: {}", namespace, name(), e.getMessage());
                    return;
                }
            }
        }
    }
}
