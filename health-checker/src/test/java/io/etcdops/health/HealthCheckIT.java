package io.etcdops.health;

import io.etcdops.core.snapshot.SnapshotManifest;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.store.FileSnapshotStore;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.Upload;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.FreePorts;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report against real etcd, one cluster per version walked through worse and worse states: healthy; a stale
 * backup in the store; a learner that never catches up; one member killed; two killed. (3.6 runs with TLS + auth,
 * 3.7 plain.)
 */
class HealthCheckIT {

    @ParameterizedTest(name = "etcd {0}")
    @ValueSource(strings = {EtcdBinaries.V3_6, EtcdBinaries.V3_7})
    void fromHealthyToNoQuorum(String version, @TempDir Path tmp) throws Exception {
        try (EtcdCluster c = EtcdCluster.start(HealthCheckerHarness.spec(version))) {
            c.put("/registry/ns/default", "{}");

            // 1. healthy: exit 0, every field filled, output files written
            Path out = tmp.resolve("out");
            HealthCheckerHarness.Result r = HealthCheckerHarness.run(c, "--format", "json", "--output-dir", out.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.json()).containsEntry("status", "healthy").containsEntry("criticals", 0).containsEntry("quorum-margin", 1);
            assertThat(r.problems()).isEmpty();
            Map<String, Object> cluster = r.cluster();
            assertThat(cluster).containsEntry("members", 3).containsEntry("voters", 3).containsEntry("hasLeader", true)
                    .containsEntry("healthyVoters", 3).containsEntry("uniformVersions", true).containsEntry("quotaSource", "member")
                    .containsEntry("versions", List.of(version));
            assertThat(cluster.get("leader")).isIn("m0", "m1", "m2");
            assertThat(((Map<?, ?>) cluster.get("hashKv")).get("outcome")).isEqualTo("consistent");
            assertThat(r.members()).hasSize(3).allSatisfy(m -> {
                assertThat(m).containsEntry("reachable", true).containsEntry("version", version).containsEntry("learner", false);
                assertThat(((Number) m.get("dbSize")).longValue()).isPositive();
                assertThat(((Number) m.get("dbSizeInUse")).longValue()).isPositive();
                assertThat(((Number) m.get("raftTerm")).longValue()).isPositive();
                assertThat(((Number) m.get("raftIndex")).longValue()).isPositive();
                assertThat(((Number) m.get("raftAppliedIndex")).longValue()).isPositive();
                assertThat(m.get("fragmentationRatio")).isNotNull();
                Map<?, ?> metrics = (Map<?, ?>) m.get("metrics");
                assertThat(metrics.get("error")).isNull();
                // walFsyncP99Seconds may be null: a member that has not fsynced its WAL since the scrape window began has no samples
                assertThat(metrics.get("leaderChangesSinceStart")).isNotNull();
            });
            assertThat(r.members().stream().filter(m -> Boolean.TRUE.equals(m.get("leader")))).hasSize(1);
            assertThat(Files.readString(out.resolve("status"))).isEqualTo("healthy");
            assertThat(Files.readString(out.resolve("findings.json"))).contains("\"check\" : \"hashkv\"");

            // the human table names every member and says there is nothing to do
            HealthCheckerHarness.Result table = HealthCheckerHarness.run(c);
            assertThat(table.stdout()).contains("HEALTHY").contains("m0").contains("m1").contains("m2").contains("nothing to do");

            // 1b. a downgrade enabled (etcd 3.6+ reports it in every member's status): a warning until it is cancelled
            String previousMinor = version.startsWith("3.7.") ? "3.6" : "3.5";
            c.etcdctl("downgrade", "enable", previousMinor);
            r = HealthCheckerHarness.run(c, "--format", "json");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.problems()).singleElement().satisfies(f -> {
                assertThat(f).containsEntry("check", "downgrade").containsEntry("severity", "warning");
                assertThat((String) f.get("message")).contains("a downgrade to " + previousMinor + ".0 is in progress");
            });
            c.etcdctl("downgrade", "cancel");

            // 2. a stale backup in a file:// store (FileSnapshotStore, with an old manifest written by this test)
            Path backups = tmp.resolve("backups");
            writeFakeBackup(backups, Instant.now().minus(Duration.ofHours(30)));
            r = HealthCheckerHarness.run(c, "--format", "json", "--store", backups.toUri().toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.problems()).singleElement().satisfies(f -> {
                assertThat(f).containsEntry("check", "backup").containsEntry("severity", "warning");
                assertThat((String) f.get("message")).contains("old (limit 25h");
            });
            r = HealthCheckerHarness.run(c, "--format", "json", "--store", backups.toUri().toString(), "--fail-on", "warning");
            assertThat(r.exitCode()).isEqualTo(1);
            r = HealthCheckerHarness.run(c, "--format", "json", "--store", tmp.resolve("empty").toUri().toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.problems()).singleElement().satisfies(f -> assertThat((String) f.get("message")).contains("cannot read backups"));
            Files.createDirectories(tmp.resolve("empty"));
            r = HealthCheckerHarness.run(c, "--format", "json", "--store", tmp.resolve("empty").toUri().toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.problems()).singleElement().satisfies(f -> assertThat((String) f.get("message")).contains("no committed backup"));

            // 3. a learner that never catches up: added to the member list, never started
            c.etcdctl("member", "add", "stuck-learner", "--learner", "--peer-urls", "http://127.0.0.1:" + FreePorts.next());
            r = HealthCheckerHarness.run(c, "--format", "json");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.cluster()).containsEntry("learners", 1).containsEntry("quorumMargin", 1);
            assertThat(r.problems()).singleElement().satisfies(f -> {
                assertThat(f).containsEntry("severity", "warning").containsEntry("check", "reachable");
                assertThat((String) f.get("message")).contains("learner").contains("never started");
            });

            // 4. one voting member killed: critical, quorum margin 0
            c.member(2).kill();
            r = HealthCheckerHarness.run(c, "--format", "json");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.json()).containsEntry("status", "critical").containsEntry("quorum-margin", 0);
            assertThat(r.member("m2")).containsEntry("reachable", false);
            assertThat(r.problems()).anySatisfy(f -> assertThat(f).containsEntry("check", "reachable").containsEntry("subject", "m2")
                    .containsEntry("severity", "critical"));
            assertThat(r.problems()).anySatisfy(f -> assertThat(f).containsEntry("check", "quorum").containsEntry("severity", "critical"));

            // 5. two of three killed: no quorum, and still a full report within the timeouts
            c.member(1).kill();
            r = HealthCheckerHarness.run(c, "--format", "json");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.problems()).anySatisfy(f -> {
                assertThat(f).containsEntry("check", "quorum").containsEntry("severity", "critical");
                assertThat((String) f.get("message")).startsWith("quorum lost");
            });
            assertThat(r.members()).hasSize(4);
            assertThat(r.member("m0")).containsEntry("reachable", true);
            assertThat(r.member("m1")).containsEntry("reachable", false);
            // bounded by the timeouts given (dial 2s, command 3s, window 1s), not by etcd's retries
            assertThat(((Number) r.json().get("duration-seconds")).doubleValue()).isLessThan(20);
        }
    }

    /** A committed snapshot as backup-job would leave it: an object and, written last, its manifest. */
    static void writeFakeBackup(Path dir, Instant at) throws IOException {
        Files.createDirectories(dir);
        FileSnapshotStore store = new FileSnapshotStore(StoreLocation.parse(dir.toUri().toString()));
        String stem = SnapshotNames.stem(at, 42);
        String objectKey = "etcd/" + stem + ".db";
        byte[] body = "not a real snapshot: health-checker only reads the manifest".getBytes(StandardCharsets.UTF_8);
        try (Upload u = store.begin(objectKey)) {
            u.stream().write(body);
            u.stream().close();
            u.commit();
        }
        SnapshotManifest m = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, "etcd", "c1", "m0", "1", "3.5.30", 42, 0, 2L, 50L,
                1, 1, body.length, "00", new SnapshotManifest.StoredObjectInfo(objectKey, body.length, "00"), "none", null, at,
                "test", new SnapshotManifest.VerificationInfo("full", true, true, "passed"));
        try (Upload u = store.begin(SnapshotNames.manifestKey("etcd", stem))) {
            u.stream().write(m.toJson());
            u.stream().close();
            u.commit();
        }
    }
}
