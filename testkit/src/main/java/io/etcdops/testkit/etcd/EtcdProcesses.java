package io.etcdops.testkit.etcd;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every process the testkit starts, killed by a shutdown hook so a failed or aborted test run leaves none behind. */
public final class EtcdProcesses {
    private static final Set<Process> ALL = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALL.forEach(p -> p.destroyForcibly()), "testkit-cleanup"));
    }

    private EtcdProcesses() {
    }

    public static void register(Process p) {
        ALL.removeIf(x -> !x.isAlive());
        ALL.add(p);
    }
}
