package io.etcdops.core.kube;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The etcd-ops-&lt;sts&gt; Lease against the mock API server in CRUD mode (optimistic concurrency is the API's own). */
class ClusterLeaseTest {

    @Test
    void twoJobsContendingExactlyOneProceedsTheOtherIsRefusedNamingTheHolder() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start(); KubernetesClient a = clientOf(sim); KubernetesClient b = clientOf(sim)) {
            for (int round = 0; round < 3; round++) {
                ClusterLease leaseA = new ClusterLease(a, "default", "etcd", "restore-job-a", Duration.ofSeconds(30));
                ClusterLease leaseB = new ClusterLease(b, "default", "etcd", "upgrade-job-b", Duration.ofSeconds(30));
                CountDownLatch go = new CountDownLatch(1);
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<Future<ClusterLease.Held>> results = new ArrayList<>();
                for (Callable<ClusterLease.Held> c : List.<Callable<ClusterLease.Held>>of(
                        () -> { go.await(); return leaseA.acquire("restore"); },
                        () -> { go.await(); return leaseB.acquire("upgrade"); })) {
                    results.add(pool.submit(c));
                }
                go.countDown();
                List<ClusterLease.Held> winners = new ArrayList<>();
                List<JobException> refusals = new ArrayList<>();
                for (Future<ClusterLease.Held> f : results) {
                    try {
                        winners.add(f.get(20, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException e) {
                        refusals.add((JobException) e.getCause());
                    }
                }
                pool.shutdown();
                assertThat(winners).hasSize(1);
                assertThat(refusals).singleElement().satisfies(e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED);
                    assertThat(e.getMessage()).contains("cluster lock Lease default/etcd-ops-etcd is held by " + winners.get(0).holder()
                            + " (" + winners.get(0).operation() + ") until ");
                });
                Lease lease = a.leases().inNamespace("default").withName("etcd-ops-etcd").get();
                assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(winners.get(0).holder());
                winners.get(0).close();
                assertThat(a.leases().inNamespace("default").withName("etcd-ops-etcd").get().getSpec().getHolderIdentity())
                        .as("released for the next job").isNull();
            }
        }
    }

    @Test
    void aLeaseLeftByACrashedJobIsTakenOverOnceExpired() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            ZonedDateTime twoMinutesAgo = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(2);
            sim.client().leases().inNamespace("default").resource(new LeaseBuilder().withNewMetadata().withName("etcd-ops-etcd").endMetadata()
                    .withNewSpec().withHolderIdentity("restore-crashed-x7k2p").withLeaseDurationSeconds(60)
                    .withAcquireTime(twoMinutesAgo).withRenewTime(twoMinutesAgo).withLeaseTransitions(4).endSpec().build()).create();

            try (ClusterLease.Held held = new ClusterLease(sim.client(), "default", "etcd", "restore-retry-9qw4z", Duration.ofSeconds(60))
                    .acquire("restore")) {
                Lease l = sim.client().leases().inNamespace("default").withName("etcd-ops-etcd").get();
                assertThat(l.getSpec().getHolderIdentity()).isEqualTo("restore-retry-9qw4z");
                assertThat(l.getSpec().getLeaseTransitions()).isEqualTo(5);
                assertThat(held.held()).isTrue();
            }
        }
    }

    @Test
    void aHolderThatStopsRenewingLosesTheLeaseAfterItsDurationAndNoticesBeforeItsNextStep() throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            KubernetesClient partitioned = clientOf(sim);
            Duration duration = Duration.ofSeconds(2);
            ClusterLease.Held first = new ClusterLease(partitioned, "default", "etcd", "upgrade-a", duration).acquire("upgrade");
            ClusterLease second = new ClusterLease(sim.client(), "default", "etcd", "upgrade-b", duration);

            Thread.sleep(duration.toMillis() * 2);
            assertThatThrownBy(() -> second.acquire("upgrade")).as("renewed, so still held after twice its duration")
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED));

            partitioned.close(); // the first job can no longer reach the API: its renewals fail from now on
            Poll.until("lease expired", Duration.ofSeconds(20), () -> {
                try {
                    second.acquire("upgrade").close();
                    return true;
                } catch (JobException e) {
                    return false;
                }
            }, () -> "");
            assertThatThrownBy(first::ensureHeld).isInstanceOfSatisfying(JobException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED)).hasMessageContaining("lost the cluster lock Lease");
            first.close();
        }
    }

    private static KubernetesClient clientOf(KubeSimulation sim) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(sim.apiUrl()).withNamespace("default")
                .withRequestRetryBackoffLimit(0).build()).build();
    }
}
