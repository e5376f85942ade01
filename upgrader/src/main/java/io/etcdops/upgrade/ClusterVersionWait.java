package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** After the last member: the cluster version etcd negotiates ({@code /version}, {@code etcdcluster}) reaching the target minor. */
final class ClusterVersionWait {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterVersionWait.class);

    private ClusterVersionWait() {
    }

    static void await(ClusterProbe probe, EtcdVersion to, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        Optional<EtcdVersion> v = current(probe);
        while (v.map(x -> !x.sameMinor(to)).orElse(true) && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw JobException.failed("interrupted");
            }
            v = current(probe);
        }
        if (v.map(x -> !x.sameMinor(to)).orElse(true)) {
            throw JobException.failed("every member runs etcd " + to + " but the cluster version is still "
                    + v.map(EtcdVersion::minorString).orElse("unknown") + " after " + timeout.toSeconds()
                    + "s; check the members' logs ('cluster version') before anything else");
        }
        LOG.info("cluster version is {}", v.get().minorString());
    }

    /** The cluster version the leader reports, if it says. */
    static Optional<EtcdVersion> current(ClusterProbe probe) {
        ClusterView view = probe.view();
        return view.leader().flatMap(l -> probe.clusterVersion(l.endpoint()));
    }

}
