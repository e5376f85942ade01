package io.etcdops.charts;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.FreePages;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member the replacer must replace, in the simulation: the flag-style 3-member etcd 3.5 StatefulSet with 20 keys,
 * etcd-1 frozen (SIGSTOP) while etcd-0 and etcd-2 serve writes. The seed pod's image runs member-replacer's main.
 *
 * <p>One stand-in, as in member-replacer's own ITs: the simulation's kubelet does not report a deleted pod's final
 * status, which the replacer waits for on the pod it holds with a finalizer; a background task writes it once the
 * simulation has really stopped the pod's processes (its own finalizer gone).
 */
final class FrozenMemberScenario implements AutoCloseable {
    static final Duration UP = Duration.ofSeconds(120);

    private final KubeSimulation sim;
    private final ScheduledExecutorService finalStatus = Executors.newSingleThreadScheduledExecutor();
    private final List<Long> frozen = new ArrayList<>();
    private String[] healthy;
    private Map<String, Long> before;

    private FrozenMemberScenario(KubeSimulation sim) {
        this.sim = sim;
    }

    /** @param seedImage the image (with tag) the replacer is told to run its seed pod with */
    static FrozenMemberScenario start(KubeSimulation sim, String seedImage) throws Exception {
        FrozenMemberScenario s = new FrozenMemberScenario(sim);
        try {
            s.setUp(seedImage);
            return s;
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
    }

    private void setUp(String seedImage) throws Exception {
        sim.images().registerJvmMain(seedImage.substring(0, seedImage.lastIndexOf(':')), JobCli.mainClass("member-replacer"));
        EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_5).objects().forEach(sim::apply);
        sim.awaitStatefulSetReady("etcd", UP);
        // the simulation knows pod addresses once the pods run
        healthy = IntStream.of(0, 2).mapToObj(i -> sim.resolve(URI.create("http://etcd-" + i + ".etcd:2379")).toString())
                .toArray(String[]::new);
        finalStatus.scheduleWithFixedDelay(() -> sim.publishFinalStatusOfPodsHeldBy("etcd-ops.io/member-replacer"), 200, 200, TimeUnit.MILLISECONDS);
        try (Client c = Client.builder().endpoints(healthy).build()) {
            for (int i = 0; i < 20; i++) {
                c.getKVClient().put(bytes("/registry/configmaps/default/cm-" + i), bytes("v" + i)).get(10, TimeUnit.SECONDS);
            }
            before = memberIds(c);
        }
        long pid = sim.pid("etcd-1", "etcd").orElseThrow();
        signal("-STOP", pid);
        frozen.add(pid);
        // if etcd-1 led, the others elect a new leader first; the replacer's first look should see them healthy
        try (Client c = Client.builder().endpoints(healthy).build()) {
            Poll.until("etcd-0 and etcd-2 to serve writes without etcd-1", UP, () -> {
                try {
                    c.getKVClient().put(bytes("/frozen"), bytes("etcd-1")).get(5, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, () -> sim.describePods("etcd"));
        }
    }

    /** etcd-1 is a new member holding the data, the others kept their ids, the seed pod is gone. */
    void assertReplaced() throws Exception {
        sim.awaitStatefulSetReady("etcd", UP);
        try (Client c = Client.builder().endpoints(healthy).build()) {
            Map<String, Long> after = memberIds(c);
            assertThat(after.keySet()).containsExactlyInAnyOrder("etcd-0", "etcd-1", "etcd-2");
            assertThat(after.get("etcd-1")).as("a new member for etcd-1").isNotEqualTo(before.get("etcd-1"));
            assertThat(after.get("etcd-0")).isEqualTo(before.get("etcd-0"));
        }
        try (Client one = Client.builder().endpoints(sim.resolve(URI.create("http://etcd-1.etcd:2379"))).build()) {
            assertThat(one.getKVClient().get(bytes("/registry/configmaps/default/cm-7"),
                            GetOption.builder().withSerializable(true).build()).get(10, TimeUnit.SECONDS)
                    .getKvs()).as("the data is on the new member").singleElement()
                    .satisfies(kv -> assertThat(kv.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("v7"));
        }
        assertThat(sim.client().pods().withName("etcd-1-seed").get()).as("the seed pod is gone").isNull();
    }

    /** Free pages in every member's db (see {@link FreePages#leave}), so that a defrag has work. */
    void fragmentTheDbs() throws Exception {
        try (Client c = Client.builder().endpoints(healthy).build()) {
            FreePages.leave(c);
        }
    }

    @Override
    public void close() {
        finalStatus.shutdownNow();
        for (long p : frozen) {
            if (ProcessHandle.of(p).isPresent()) {
                try {
                    signal("-CONT", p);
                } catch (Exception e) {
                    // the simulation kills it on close anyway
                }
            }
        }
    }

    private static Map<String, Long> memberIds(Client c) throws Exception {
        return c.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
                .collect(Collectors.toMap(m -> m.getName().isEmpty() ? Long.toHexString(m.getId()) : m.getName(), m -> m.getId()));
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", sig, String.valueOf(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("kill " + sig + " " + pid).isTrue();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
