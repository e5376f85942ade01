package io.etcdops.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcdops.backup.BackupJob;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * restore-job kubernetes through the simulation: the API is fabric8's CRUD mock, the StatefulSet controller and
 * kubelet are testkit's, every etcd (members, and the etcdutl in the restore pods) is a real etcd 3.6.16 process, and
 * the restore pods' fetch/swap containers run this module's real main class. A snapshot taken on etcd 3.7.3 is
 * refused for the 3.6 StatefulSet before anything is scaled.
 */
class KubernetesRestoreIT {
    private static final Duration UP = Duration.ofSeconds(120);

    static JobProcess job(KubeSimulation sim, String main) {
        return JobProcess.of(main).jvmArgs(sim.jvmOptions()).env("KUBERNETES_MASTER", sim.apiUrl())
                .env("KUBERNETES_NAMESPACE", "default").env("KUBERNETES_AUTH_TRYKUBECONFIG", "false")
                .env("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false").timeoutSeconds(600);
    }

    static String endpoints(KubeSimulation sim) {
        return IntStream.range(0, 3).mapToObj(i -> sim.resolve(URI.create("http://etcd-" + i + ".etcd:2379")).toString())
                .collect(Collectors.joining(","));
    }

    @Test
    void restoresEveryMemberRefusesAHealthyClusterAndCleansUp(@TempDir Path tmp) throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            BackedUp backedUp = backedUpCluster(sim, tmp, 50);
            RestoredMember.Dump atBackup = backedUp.atBackup();
            String store = backedUp.store();
            String eps = endpoints(sim);
            try (Client c = Client.builder().endpoints(eps.split(",")).build()) {
                c.getKVClient().put(bytes("/registry/cm/after-backup"), bytes("lost by the restore")).get(10, TimeUnit.SECONDS);
            }

            String[] args = {"kubernetes", "--statefulset", "etcd", "--store", store, "--restore-image", "ghcr.io/etcd-ops/restore-job:test",
                    "--timeout", "3m", "--work-dir", tmp.resolve("work").toString()};
            JobProcess.Result refused = job(sim, RestoreJob.class.getName()).run(args);
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(3);
            assertThat(refused.stderr()).contains("is healthy");
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getSpec().getReplicas()).isEqualTo(3);

            // a snapshot of etcd 3.7 (storage version 3.7.0): etcd 3.6 would not start on it; refused, nothing scaled
            String store37 = "file://" + tmp.resolve("store37");
            try (EtcdCluster newer = EtcdCluster.start(EtcdBinaries.V3_7, 1)) {
                newer.put("/registry/cm/on-3.7", "x");
                JobProcess.Result b = JobProcess.of(BackupJob.class.getName()).env("ETCDCTL_ENDPOINTS", newer.endpoints())
                        .run("--store", store37, "--cluster-name", "etcd");
                assertThat(b.exitCode()).as(b.toString()).isZero();
            }
            String[] newerArgs = args.clone();
            newerArgs[java.util.Arrays.asList(args).indexOf("--store") + 1] = store37;
            JobProcess.Result tooNew = job(sim, RestoreJob.class.getName()).run(concat(newerArgs, "--force"));
            assertThat(tooNew.exitCode()).as(tooNew.toString()).isEqualTo(3);
            assertThat(tooNew.stderr()).contains("storage version 3.7.0", "runs etcd 3.6.16", "etcdctl downgrade enable 3.6");
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getSpec().getReplicas()).isEqualTo(3);
            java.util.Map<String, String> annotations = sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations();
            assertThat(annotations == null ? java.util.Map.of() : annotations).as("no restore recorded").doesNotContainKey(ProgressRecord.ANNOTATION);

            JobProcess.Result r = job(sim, RestoreJob.class.getName()).run(concat(args, "--force", "--output-dir", tmp.resolve("out").toString()));
            assertThat(r.exitCode()).as(r + "\n" + sim.describePods("etcd")).isZero();
            assertThat(Long.parseLong(Files.readString(tmp.resolve("out/restored-revision")))).isGreaterThanOrEqualTo(atBackup.revision() + 1_000_000_000L);

            sim.awaitStatefulSetReady("etcd", UP);
            RestoredMember.Dump after = RestoredMember.dump(endpoints(sim), null);
            assertThat(after.kvs()).isEqualTo(atBackup.kvs()).doesNotContainKey("/registry/cm/after-backup");
            assertThat(sim.client().pods().withLabel("app.kubernetes.io/managed-by", "etcd-ops").list().getItems()).as("restore pods removed").isEmpty();
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations())
                    .doesNotContainKey(ProgressRecord.ANNOTATION);
            for (int i = 0; i < 3; i++) {
                Path vol = sim.volumeDir("etcd-data-etcd-" + i).orElseThrow();
                try (Stream<Path> s = Files.list(vol)) {
                    assertThat(s.map(p -> p.getFileName().toString())).as("old data moved aside on volume " + i)
                            .anyMatch(n -> n.startsWith(".etcd-ops-bak-"));
                }
            }
        }
    }

    @Test
    void aFailedMemberStopsTheRestoreAtZeroReplicasAndTheRerunResumesOnlyThatMember(@TempDir Path tmp) throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            BackedUp backedUp = backedUpCluster(sim, tmp, 20);
            RestoredMember.Dump atBackup = backedUp.atBackup();
            String store = backedUp.store();
            // Break member 1's restore: a plain file where etcdutl must create its staging dir.
            Path vol1 = sim.volumeDir("etcd-data-etcd-1").orElseThrow();
            Path blocker = vol1.resolve(".etcd-ops-restoring-s1");
            Files.writeString(blocker, "in the way");
            Path member1 = vol1.resolve("member");
            long filesBefore;
            try (Stream<Path> s = Files.walk(member1)) {
                filesBefore = s.count();
            }
            String[] args = {"kubernetes", "--statefulset", "etcd", "--store", store, "--restore-image", "ghcr.io/etcd-ops/restore-job:test",
                    "--timeout", "3m", "--force", "--stamp", "s1", "--work-dir", tmp.resolve("work").toString()};
            JobProcess.Result failed = job(sim, RestoreJob.class.getName()).run(args);
            assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
            assertThat(failed.stderr()).contains("etcd-restore-1").contains("stays at 0 replicas");
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getSpec().getReplicas()).isZero();
            try (Stream<Path> s = Files.walk(member1)) {
                assertThat(s.count()).as("member 1's old data intact").isEqualTo(filesBefore);
            }
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations().get(ProgressRecord.ANNOTATION))
                    .contains("member-0").contains("member-2").doesNotContain("member-1");

            Files.delete(blocker);
            JobProcess.Result resumed = job(sim, RestoreJob.class.getName()).run(args);
            assertThat(resumed.exitCode()).as(resumed + "\n" + sim.logs("etcd-restore-1", "restore")).isZero();
            assertThat(resumed.reportLine()).contains("\"resumed\":true").contains("\"restored-this-run\":[\"etcd-1\"]");
            sim.awaitStatefulSetReady("etcd", UP);
            assertThat(RestoredMember.dump(endpoints(sim), null).kvs()).isEqualTo(atBackup.kvs());
        }
    }

    /**
     * A real SIGKILL of the job once the progress record shows a restored member: the StatefulSet stays at 0, the
     * killed run's Lease blocks a rerun (exit 3) until it expires, and then a rerun resumes from the record without
     * redoing the recorded members.
     */
    @Test
    void aJobKilledBetweenStepsIsResumedByTheRerun(@TempDir Path tmp) throws Exception {
        try (KubeSimulation sim = KubeSimulation.start()) {
            BackedUp backedUp = backedUpCluster(sim, tmp, 20);
            RestoredMember.Dump atBackup = backedUp.atBackup();
            String store = backedUp.store();
            String[] args = {"kubernetes", "--statefulset", "etcd", "--store", store, "--restore-image", "ghcr.io/etcd-ops/restore-job:test",
                    "--timeout", "3m", "--force", "--lease-duration", "20s", "--work-dir", tmp.resolve("work").toString()};

            JobProcess.Running running = job(sim, RestoreJob.class.getName()).start(args);
            String atKill = null;
            long killedAt = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (atKill == null && running.process().isAlive() && System.nanoTime() < deadline) {
                String progress = sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations()
                        .get(ProgressRecord.ANNOTATION);
                if (progress != null && progress.contains("member-")) {
                    running.process().destroyForcibly().waitFor();
                    killedAt = System.nanoTime();
                    // the record as the killed job left it: a write it sent just before the SIGKILL may still land
                    Thread.sleep(500);
                    atKill = sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations()
                            .get(ProgressRecord.ANNOTATION);
                }
                Thread.sleep(50);
            }
            assertThat(atKill).as("killed after a member was recorded as restored; job output: %s", running.err().getNow("")).isNotNull();
            if (atKill.contains("restoring-members")) {
                // (the small test db restores fast: the kill can also land after the last member, in scaling-up)
                assertThat(sim.client().apps().statefulSets().withName("etcd").get().getSpec().getReplicas())
                        .as("killed while restoring members: the StatefulSet stays scaled down").isZero();
            }

            JobProcess.Result blocked = job(sim, RestoreJob.class.getName()).run(args);
            assertThat(blocked.exitCode()).as("the killed run's Lease has not expired yet: %s", blocked).isEqualTo(3);
            assertThat(blocked.stderr()).contains("Lease");

            long leaseExpired = killedAt + TimeUnit.MILLISECONDS.toNanos(20_500);
            Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(leaseExpired - System.nanoTime())));
            JobProcess.Result resumed = job(sim, RestoreJob.class.getName()).run(args);
            assertThat(resumed.exitCode()).as(resumed + "\n" + sim.describePods("etcd")).isZero();
            assertThat(resumed.reportLine()).contains("\"resumed\":true");
            String restoredNow = reportList(resumed.reportLine(), "restored-this-run");
            String finishedByKilledRunsPods = reportList(resumed.reportLine(), "restored-by-earlier-pods");
            for (int i = 0; i < 3; i++) {
                String member = "\"etcd-" + i + "\"";
                boolean recorded = atKill.contains("member-" + i);
                assertThat(restoredNow.contains(member) || finishedByKilledRunsPods.contains(member))
                        .as("member %d is done by the rerun or by the killed run's pod unless recorded before the kill (%s): %s", i, atKill,
                                resumed.reportLine()).isEqualTo(!recorded);
                assertThat(restoredNow.contains(member) && finishedByKilledRunsPods.contains(member)).isFalse();
            }
            sim.awaitStatefulSetReady("etcd", UP);
            assertThat(RestoredMember.dump(endpoints(sim), null).kvs()).isEqualTo(atBackup.kvs());
            assertThat(sim.client().pods().withLabel("app.kubernetes.io/managed-by", "etcd-ops").list().getItems())
                    .as("restore pods of both runs removed").isEmpty();
        }
    }

    /** A 3-member etcd 3.6 StatefulSet with {@code keys} keys, backed up by backup-job into a file store under {@code tmp}. */
    static BackedUp backedUpCluster(KubeSimulation sim, Path tmp, int keys) throws Exception {
        sim.images().registerJvmMain("ghcr.io/etcd-ops/restore-job", RestoreJob.class.getName());
        EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_6).objects().forEach(sim::apply);
        sim.awaitStatefulSetReady("etcd", UP);
        String eps = endpoints(sim);
        try (Client c = Client.builder().endpoints(eps.split(",")).build()) {
            for (int i = 0; i < keys; i++) {
                c.getKVClient().put(bytes("/registry/cm/" + i), bytes("v" + i)).get(10, TimeUnit.SECONDS);
            }
        }
        RestoredMember.Dump atBackup = RestoredMember.dump(eps, null);
        String store = "file://" + tmp.resolve("store");
        JobProcess.Result b = JobProcess.of(BackupJob.class.getName()).jvmArgs(sim.jvmOptions()).env("ETCDCTL_ENDPOINTS", eps)
                .run("--store", store);
        assertThat(b.exitCode()).as(b.toString()).isZero();
        return new BackedUp(store, atBackup);
    }

    record BackedUp(String store, RestoredMember.Dump atBackup) {
    }

    /** The JSON array {@code key} of a report line, as text. */
    static String reportList(String reportLine, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\":\\[([^\\]]*)]").matcher(reportLine);
        assertThat(m.find()).as(key + " in " + reportLine).isTrue();
        return m.group(1);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
