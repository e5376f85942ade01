package io.etcdops.core.etcd;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdClusterSpec;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.etcd.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** core's client against real etcd: plain, TLS + auth, and the failures users hit most. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdSessionIT {
    private EtcdCluster secured;

    @BeforeAll
    void startSecuredCluster() {
        secured = EtcdCluster.start(EtcdClusterSpec.of(EtcdBinaries.V3_6, 3).withTls().withAuth());
    }

    @AfterAll
    void stop() {
        if (secured != null) {
            secured.close();
        }
    }

    private EtcdConnectionConfig securedConfig(Path ca, String password) {
        return new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(secured.endpoints()), ca,
                secured.clientCert().cert(), secured.clientCert().key(), "root", password,
                Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void tlsAndAuthWithTheRightMaterialSeesTheWholeCluster() {
        try (EtcdSession s = EtcdSession.open(securedConfig(secured.certificates().caFile(), EtcdCluster.ROOT_PASSWORD))) {
            ClusterView view = s.view();
            assertThat(view.members()).hasSize(3);
            assertThat(view.statuses()).allMatch(MemberStatus::healthy);
            assertThat(view.leaderId()).isNotZero();
            assertThat(view.quorum().failureTolerance()).isEqualTo(1);
            assertThat(view.versions()).containsExactly(EtcdBinaries.V3_6);
        }
    }

    /**
     * Close leaves no event loop behind: a JVM that exits while a thread waits in epoll (native code) first waits up
     * to 300 ms for it (HotSpot's VM_Exit), which was the last 0.3 s of every job run. jetcd closes its Vert.x without
     * waiting, gRPC's shared event loop lingers for a second: the session waits for Vert.x, a member channel has its
     * own event loop and stops it.
     */
    @Test
    void closeStopsTheEventLoopsOfTheSessionAndOfAMemberChannel() {
        EtcdConnectionConfig config = securedConfig(secured.certificates().caFile(), EtcdCluster.ROOT_PASSWORD);
        EtcdSession s = EtcdSession.open(config);
        ClusterView view = s.view();
        io.netty.channel.EventLoopGroup vertxLoops = ((io.vertx.core.internal.VertxInternal) s.vertx()).nettyEventLoopGroup();
        EtcdGrpcChannels.MemberChannel ch = EtcdGrpcChannels.open(config, view.statuses().get(0).endpoint());
        io.etcd.jetcd.api.StatusResponse status = io.etcd.jetcd.api.MaintenanceGrpc.newBlockingStub(ch.channel())
                .status(io.etcd.jetcd.api.StatusRequest.getDefaultInstance());
        assertThat(status.getVersion()).isEqualTo(EtcdBinaries.V3_6);
        assertThat(ch.eventLoop().isTerminated()).isFalse();

        ch.close();
        assertThat(ch.eventLoop().isTerminated()).as("the member channel's event loop after close").isTrue();
        assertThat(vertxLoops.isTerminated()).isFalse();
        s.close();
        assertThat(vertxLoops.isTerminated()).as("the session's Vert.x event loops after close").isTrue();
    }

    @Test
    void wrongCaIsRejectedWithAClearMessage(@TempDir Path tmp) {
        Path otherCa = TestCertificates.create(tmp, "some-other-ca").caFile();
        assertThatThrownBy(() -> EtcdSession.open(securedConfig(otherCa, EtcdCluster.ROOT_PASSWORD)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED))
                .hasMessageContaining("TLS handshake failed")
                .hasMessageNotContaining("\n");
    }

    @Test
    void wrongPasswordIsRejectedWithAClearMessage() {
        assertThatThrownBy(() -> EtcdSession.open(securedConfig(secured.certificates().caFile(), "wrong-password")))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED))
                .hasMessageContaining("authentication failed")
                .hasMessageNotContaining(EtcdCluster.ROOT_PASSWORD)
                .hasMessageNotContaining("\n");
    }

    @Test
    void unreachableEndpointFailsInOneLineWithinTheTimeout() {
        int port = FreePorts.next();
        EtcdConnectionConfig cfg = new EtcdConnectionConfig(List.of(URI.create("http://127.0.0.1:" + port)), null, null, null,
                null, null, Duration.ofSeconds(1), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> EtcdSession.open(cfg))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED))
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageNotContaining("\n");
        // The configured bound (dial + command timeout) is honoured, with slack for a loaded 2-core machine.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3 + 5));
    }

    @Test
    void killedMemberShowsInTheViewAndQuorumMath() throws Exception {
        try (EtcdCluster c = EtcdCluster.start(EtcdBinaries.V3_4, 3)) {
            c.member(1).kill();
            EtcdConnectionConfig cfg = new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(c.endpoints()), null, null,
                    null, null, null, Duration.ofSeconds(1), Duration.ofSeconds(2));
            try (EtcdSession s = EtcdSession.open(cfg)) {
                ClusterView v = s.view();
                assertThat(v.statuses()).filteredOn(st -> !st.reachable()).hasSize(1);
                assertThat(v.quorum().present()).isTrue();
                assertThat(v.quorum().failureTolerance()).isZero();
                assertThat(v.quorum().survivesLosing(1)).isFalse();
                assertThat(v.snapshotCandidates()).hasSize(2);
                assertThat(v.snapshotCandidates().get(0).isLeader()).isFalse();
            }
        }
    }
}
