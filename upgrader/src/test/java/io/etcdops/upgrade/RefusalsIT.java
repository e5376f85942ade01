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
 * Every pre-flight refusal on one real etcd 3.4.23 cluster (3 members, OnDelete): each run exits 3 with the reason,
 * and nothing changed afterwards (pods, image, strategy, no progress record, lock free). Then the cause is undone.
 */
class RefusalsIT {
    private static final String TO = EtcdBinaries.V3_5_OLD;

    @Test
    void everyPreFlightFailureRefusesWithItsReasonAndChangesNothing(@TempDir Path tmp) throws Exception {
        try (SimulatedEtcd etcd = SimulatedEtcd.start(EtcdBinaries.V3_4, 3, "OnDelete", tmp)) {
            Map<String, String> uids = etcd.podUids();

            refused(etcd, uids, "skips a minor", "--to-version", "3.6.5");
            refused(etcd, uids, "known-bad", "--to-version", "3.5.1");

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

                // auth on: etcd cannot roll 3.4 -> 3.5 with it
                c.getAuthClient().userAdd(Writer.bytes("root"), Writer.bytes("s3cret")).get(10, TimeUnit.SECONDS);
                c.getAuthClient().userGrantRole(Writer.bytes("root"), Writer.bytes("root")).get(10, TimeUnit.SECONDS);
                c.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
            }
            refused(etcd, uids, "authentication is enabled", "--to-version", TO, "--user", "root:s3cret");
            try (Client root = Client.builder().endpoints(etcd.clientUrls().toArray(URI[]::new)).user(Writer.bytes("root"))
                    .password(Writer.bytes("s3cret")).build()) {
                root.getAuthClient().authDisable().get(10, TimeUnit.SECONDS);
            }

            // a flag etcd 3.5 removed, in the StatefulSet's template (OnDelete: the pods keep running as they are)
            setArgs(etcd, true);
            refused(etcd, uids, "--debug=true is not accepted by etcd 3.5", "--to-version", TO);
            setArgs(etcd, false);

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
        assertThat(etcd.image()).endsWith(":v" + EtcdBinaries.V3_4);
        assertThat(etcd.strategy()).isEqualTo("OnDelete");
        assertThat(etcd.hasProgressRecord()).isFalse();
        assertThat(etcd.lockFree()).isTrue();
    }

    private static void setArgs(SimulatedEtcd etcd, boolean debug) {
        // the simulated controller writes the StatefulSet's status concurrently: retry an edit that lost that race (409)
        for (int attempt = 1; ; attempt++) {
            try {
                etcd.sim.client().apps().statefulSets().withName("etcd").edit(s -> {
                    List<String> args = s.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
                    args.remove("--debug");
                    if (debug) {
                        args.add("--debug");
                    }
                    return s;
                });
                break;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static EtcdConnectionConfig plain(URI u) {
        return new EtcdConnectionConfig(List.of(u), null, null, null, null, null, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("kill -" + sig + " " + pid).isTrue();
    }
}
