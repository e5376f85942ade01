package io.etcdops.health;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.health.kube.HealthEvents;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.FreePages;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * health-checker --statefulset through testkit's Kubernetes simulation: the API is fabric8's CRUD mock, the StatefulSet
 * controller and kubelet are testkit's, the three members are real etcd 3.6.16 processes started from the StatefulSet's
 * pod template. health-checker runs in this JVM with the simulation's client and {@code sim::resolve} (the
 * EndpointResolver seam standing in for cluster DNS). One simulation for the class; the tests run in order and each
 * leaves the cluster as it found it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthStatefulSetIT {
    private static final Duration UP = Duration.ofSeconds(90);

    private KubeSimulation sim;

    @BeforeAll
    void startCluster() {
        sim = KubeSimulation.start();
        EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_6).objects().forEach(sim::apply);
        sim.awaitStatefulSetReady("etcd", UP);
    }

    @AfterAll
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private HealthCheckerHarness.Result run(String... extra) {
        List<String> args = new ArrayList<>(List.of("--statefulset", "etcd", "--format", "json", "--dial-timeout", "2s",
                "--command-timeout", "3s", "--metrics-window", "1s"));
        args.addAll(List.of(extra));
        return HealthCheckerHarness.run(new HealthChecker(sim.client(), sim::resolve), args);
    }

    /** Free pages on every member (see {@link FreePages#leave}), whatever the fresh dbs looked like. */
    private void leaveFreePages() {
        try (Client c = etcdClient()) {
            FreePages.leave(c);
        } catch (Exception e) {
            throw new AssertionError("could not leave free pages in the dbs", e);
        }
    }

    private Client etcdClient() {
        return Client.builder().endpoints(IntStream.range(0, 3)
                .mapToObj(i -> sim.resolve(URI.create("http://etcd-" + i + ".etcd:2379")).toString()).toArray(String[]::new)).build();
    }

    /**
     * What a scale-down from 4 to 3 without {@code member remove} leaves: a member for ordinal 3, never started (added as
     * a learner so quorum is not touched). etcd refuses a member add ("unhealthy cluster") until every member has been
     * connected for 5 s, which a cluster this fresh may not be yet: retried for a while.
     */
    private Member addZombieLearner() throws Exception {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Client c = etcdClient()) {
            while (true) {
                try {
                    return c.getClusterClient().addMember(List.of(URI.create("http://etcd-3.etcd:2380")), true)
                            .get(10, TimeUnit.SECONDS).getMember();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!String.valueOf(e.getMessage()).contains("unhealthy cluster") || System.nanoTime() > giveUp) {
                        throw e;
                    }
                    Thread.sleep(1000);
                }
            }
        }
    }

    private List<Event> events(String reason) {
        return sim.client().v1().events().list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
    }

    @Test
    @Order(1)
    void healthyStatefulSetExitsZeroWithEveryMemberMappedToItsPod() {
        HealthCheckerHarness.Result r = run();

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.json()).containsEntry("status", "healthy").containsEntry("statefulset", "default/etcd");
        assertThat(r.problems()).as(r.toString()).isEmpty();
        assertThat(r.cluster()).containsEntry("statefulSet", "default/etcd").containsEntry("replicas", 3).containsEntry("voters", 3);
        assertThat(r.members()).extracting(m -> m.get("name")).containsExactly("etcd-0", "etcd-1", "etcd-2");
        assertThat(r.members()).allSatisfy(m -> {
            assertThat(m).containsEntry("reachable", true).containsEntry("pod", m.get("name")).containsEntry("podStatus", "Ready");
            // dialed at the pod's address the simulation gives it, found from the StatefulSet's per-pod DNS name
            assertThat((String) m.get("endpoint")).isEqualTo(sim.resolve(URI.create("http://" + m.get("name") + ".etcd:2379")).toString());
        });
        assertThat(r.findings()).anySatisfy(f -> assertThat(f).containsEntry("check", "statefulset").containsEntry("severity", "ok"));
        assertThat(r.findings()).filteredOn(f -> "pod".equals(f.get("check"))).hasSize(3);
        assertThat(events(HealthEvents.WARNING)).as("a healthy run writes no Event").isEmpty();
        assertThat(sim.client().leases().withName(ClusterLease.leaseName("etcd")).get()).as("read-only: no Lease").isNull();
    }

    @Test
    @Order(2)
    void zombieMemberIsReportedWithTheRemoveAdviceAndAnEventOnTheStatefulSet() throws Exception {
        Member zombie = addZombieLearner();
        String id = Long.toHexString(zombie.getId());
        try {
            HealthCheckerHarness.Result r = run();

            assertThat(r.exitCode()).as("a zombie learner is a warning: " + r).isZero();
            assertThat(r.json()).containsEntry("status", "warning");
            assertThat(r.problems()).as(r.toString()).singleElement().satisfies(f -> {
                assertThat(f).containsEntry("check", "zombie-member").containsEntry("severity", "warning").containsEntry("subject", id);
                assertThat((String) f.get("message")).contains("ordinal 3, beyond the 3 replicas").contains("never started");
                assertThat((String) f.get("advice")).contains("etcdctl member remove " + id);
            });
            assertThat(events(HealthEvents.WARNING)).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("StatefulSet");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("etcd");
                assertThat(e.getInvolvedObject().getUid()).isEqualTo(sim.client().apps().statefulSets().withName("etcd").get()
                        .getMetadata().getUid());
                assertThat(e.getMessage()).contains("zombie-member").contains(id);
            });
        } finally {
            try (Client c = etcdClient()) {
                c.getClusterClient().removeMember(zombie.getId()).get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Order(3)
    void defragIsRefusedWhileAnotherOperationHoldsTheLeaseButReadOnlyChecksRun() {
        // with free pages in every db (leaveFreePages) these thresholds make the members fragmented: the defrag has work
        String[] fragmented = {"--defrag", "--fragmentation-ratio", "0.99", "--fragmentation-min-size", "4KiB"};
        ClusterLease other = new ClusterLease(sim.client(), "default", "etcd", "etcd-upgrade-7x2kq", Duration.ofSeconds(60));
        try (ClusterLease.Held held = other.acquire("upgrade")) {
            HealthCheckerHarness.Result readOnly = run();
            assertThat(readOnly.exitCode()).as("read-only checks never take the Lease: " + readOnly).isZero();

            HealthCheckerHarness.Result idle = run("--defrag");
            assertThat(idle.exitCode()).as("nothing to defragment: the Lease is not needed, so not refused: " + idle).isZero();
            assertThat(idle.actions()).singleElement().satisfies(a -> assertThat(a).containsEntry("outcome", "nothing-to-do"));
            assertThat(events("DefragRefused")).isEmpty();

            leaveFreePages();
            HealthCheckerHarness.Result r = run(fragmented);

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            assertThat(r.actions()).singleElement().satisfies(a -> {
                assertThat(a).containsEntry("action", "defrag").containsEntry("outcome", "refused");
                assertThat((String) a.get("reason")).contains("held by etcd-upgrade-7x2kq (upgrade)");
            });
            assertThat(r.stderr()).contains("held by etcd-upgrade-7x2kq");
            assertThat(events("DefragRefused")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("etcd-upgrade-7x2kq"));
            assertThat(held.held()).as("the other holder keeps its Lease").isTrue();
        }

        HealthCheckerHarness.Result free = run(fragmented);
        assertThat(free.exitCode()).as(free.toString()).isZero();
        assertThat(free.actions()).singleElement().satisfies(a -> assertThat(a).containsEntry("outcome", "done"));
        var lease = sim.client().leases().withName(ClusterLease.leaseName("etcd")).get();
        assertThat(lease.getMetadata().getAnnotations()).containsEntry(ClusterLease.OPERATION_ANNOTATION, "defrag");
        assertThat(lease.getSpec().getHolderIdentity()).as("released after the run").isNull();
    }
}
