package io.etcdops.upgrade;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.EtcdGrpcChannels;
import io.etcdops.testkit.etcd.EtcdBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pre-flight refusal on one real etcd 3.5.21 cluster (3 members, OnDelete; a 3.5 below the 3.5.32 that etcd's
 * guide requires before 3.6): each run exits 3 with the reason, and nothing changed afterwards (pods, image, strategy,
 * no progress record, lock free). Then the cause is undone. (The flag refusals before 3.6 and 3.7 are in
 * MinorUpgradeIT, 3.6.10 -> 3.7 in PatchUpgradeIT, the 3.4 -> 3.5 auth rule only in UpgradePathTest: 3.4 is end-of-life.)
 */
class RefusalsIT {
    private static final String TO = EtcdBinaries.V3_5;

    @Test
    void everyPreFlightFailureRefusesWithItsReasonAndChangesNothing(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_5_OLD, 3, "OnDelete", tmp)) {
            Map<String, String> uids = etcd.podUids();

            refused(etcd, uids, "skips a minor", "--to-version", EtcdBinaries.V3_7);
            refused(etcd, uids, "known-bad", "--to-version", "3.5.1");
            refused(etcd, uids, "requires every member on 3.5.32 or later first", "--to-version", EtcdBinaries.V3_6);
            refused(etcd, uids, "downgrade across minor versions", "--to-version", EtcdBinaries.V3_4);

            // a member down: its process frozen (SIGSTOP), so it neither answers nor dies
            long pid = etcd.sim.pid("etcd-1", "etcd").orElseThrow();
            signal("STOP", pid);
            try {
                refused(etcd, uids, "etcd-1 unreachable", "--to-version", TO, "--command-timeout", "2s", "--dial-timeout", "2s");
            } finally {
                signal("CONT", pid);
            }
            etcd.awaitHealthy();

            try (Client c = etcd.client()) {
                long id = etcd.memberIds().get("etcd-0");
                // an alarm (NOSPACE, raised the way etcd raises it: an Alarm ACTIVATE request through raft)
                URI u0 = etcd.clientUrl(0);
                try (var ch = EtcdGrpcChannels.open(plain(u0), u0)) {
                    MaintenanceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(10, TimeUnit.SECONDS).alarm(AlarmRequest.newBuilder()
                            .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(id).setAlarm(AlarmType.NOSPACE).build());
                    refused(etcd, uids, "alarms are active: [NOSPACE", "--to-version", TO);
                    MaintenanceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(10, TimeUnit.SECONDS).alarm(AlarmRequest.newBuilder()
                            .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(id).setAlarm(AlarmType.NOSPACE).build());
                }

                // a learner (added, never started); etcd refuses member changes until every peer has been connected for 5 s
                Member learner = null;
                for (int attempt = 1; learner == null; attempt++) {
                    try {
                        learner = c.getClusterClient().addMember(List.of(URI.create("http://etcd-3.etcd:2380")), true)
                                .get(10, TimeUnit.SECONDS).getMember();
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(attempt).as("adding a learner: " + e.getMessage()).isLessThan(30);
                        Thread.sleep(1000);
                    }
                }
                refused(etcd, uids, "learner members present", "--to-version", TO);
                c.getClusterClient().removeMember(learner.getId()).get(10, TimeUnit.SECONDS);
            }

            assertThat(etcd.sim.client().v1().events().list().getItems()).filteredOn(e -> "UpgradeRefused".equals(e.getReason()))
                    .isNotEmpty().allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
        }
    }

    private static void refused(SimulatedEtcd etcd, Map<String, String> uids, String reason, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add("--skip-backup");
        SimulatedEtcd.Run run = etcd.upgrade(argv.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(3);
        assertThat(run.report().path("status").asText()).isEqualTo("refused");
        assertThat(run.error()).contains(reason);
        assertThat(etcd.podUids()).as("no pod touched").isEqualTo(uids);
        assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_5_OLD);
        assertThat(etcd.strategy()).isEqualTo("OnDelete");
        assertThat(etcd.hasProgressRecord()).isFalse();
        assertThat(etcd.lockFree()).isTrue();
    }

    private static EtcdConnectionConfig plain(URI u) {
        return new EtcdConnectionConfig(List.of(u), null, null, null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("kill -" + sig + " " + pid).isTrue();
    }
}
