package io.etcdops.replacer;

import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdProcesses;
import io.etcdops.testkit.etcd.FreePorts;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * etcd refuses to promote a learner that is not in sync with the leader; the replacer keeps retrying that refusal until
 * its deadline, then fails leaving the learner a learner — and promotes it as soon as it has caught up. Also what a
 * seed pod may do in a real cluster: its etcd starts before the learner is added, exits, and joins on its next start
 * on the same data dir. Real etcd 3.6, no Kubernetes needed.
 */
class LearnerPromotionIT {

    @Test
    void aLearnerThatLagsIsNotPromotedUntilItHasCaughtUp() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(EtcdBinaries.V3_6, 3)) {
            for (int i = 0; i < 200; i++) {
                cluster.put("/k/" + i, "v" + i);
            }
            EtcdConnectionConfig config = new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(cluster.endpoints()), null, null,
                    null, null, null, Duration.ofSeconds(2), Duration.ofSeconds(5));
            int clientPort = FreePorts.next();
            int peerPort = FreePorts.next();
            URI peer = URI.create("http://127.0.0.1:" + peerPort);
            Path data = Files.createTempDirectory(cluster.dir(), "learner-");
            List<String> etcd = List.of(EtcdBinaries.of(EtcdBinaries.V3_6).etcd().toString(),
                    "--name", "m3", "--data-dir", data.resolve("m3.etcd").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + clientPort, "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
                    "--listen-peer-urls", peer.toString(), "--initial-advertise-peer-urls", peer.toString(),
                    "--initial-cluster", cluster.initialCluster() + ",m3=" + peer, "--initial-cluster-state", "existing",
                    "--log-level", "warn");
            Process early = start(etcd, data);
            assertThat(early.waitFor(30, TimeUnit.SECONDS)).as("etcd gives up while it is not a member yet").isTrue();
            assertThat(early.exitValue()).isNotZero();
            try (EtcdSession session = EtcdSession.open(config)) {
                EtcdMembership membership = new EtcdMembership(session);
                long id = membership.addLearner(peer);

                assertThatThrownBy(() -> membership.promote(id, Duration.ofSeconds(4)))
                        .isInstanceOfSatisfying(JobException.class, e -> {
                            assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED);
                            assertThat(e.getMessage()).contains("did not catch up", "in sync with leader", "stays a learner");
                        });
                assertThat(membership.find(id).orElseThrow().learner()).isTrue();

                Process learner = start(etcd, data);
                try {
                    membership.promote(id, Duration.ofSeconds(60));
                    assertThat(membership.find(id).orElseThrow().learner()).isFalse();
                    assertThat(session.memberList()).hasSize(4).noneMatch(m -> m.learner());
                } finally {
                    learner.destroy();
                }
            }
        }
    }

    private static Process start(List<String> argv, Path dir) throws java.io.IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("m3.log").toFile())).start();
        EtcdProcesses.register(p);
        return p;
    }
}
