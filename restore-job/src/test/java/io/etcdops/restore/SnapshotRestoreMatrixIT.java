package io.etcdops.restore;

import io.etcdops.core.runtime.Json;
import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdProcesses;
import io.etcdops.testkit.etcd.Exec;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which snapshot restores into which etcd, on the real binaries, kept cheap: one single-member cluster per version
 * (3.4.23, 3.5.36, 3.6.16, 3.7.3), a few dozen keys, one `etcdctl snapshot save` each, taken once for the class.
 * Each case runs restore-job local with the etcdutl of the target's version on that plain snapshot file (Kubernetes-
 * safe bump on), then starts that version's etcd on the restored data. Checked against etcd's own figures:
 * {@code etcdutl snapshot status} of the target's version (revision; and, 3.6+, the live keys and storage version)
 * equal what restore-job reported, and the member serves every key of the original at revision + the bump.
 * A snapshot newer than the target: refused with exit 3 when etcd could not run it for good (3.7 into 3.6 or 3.5),
 * restored when it can (3.6 into 3.5) — see {@link StorageVersionGuard} for what was tried.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotRestoreMatrixIT {
    private static final long BUMP = 1_000_000_000L;

    private final Map<String, Path> snapshots = new HashMap<>();
    private final Map<String, RestoredMember.Dump> originals = new HashMap<>();

    @BeforeAll
    void takeOneSnapshotPerVersion(@TempDir Path tmp) throws Exception {
        for (String v : List.of(EtcdBinaries.V3_4, EtcdBinaries.V3_5, EtcdBinaries.V3_6, EtcdBinaries.V3_7)) {
            try (EtcdCluster c = EtcdCluster.start(v, 1)) {
                for (int i = 0; i < 40; i++) {
                    c.put("/registry/pods/ns/p-" + i, "{\"made-by\":\"" + v + "\",\"i\":" + i + "}");
                }
                c.put("/registry/pods/ns/p-3", "overwritten");
                c.etcdctl("del", "/registry/pods/ns/p-4");
                c.etcdctl("compaction", "20");
                originals.put(v, RestoredMember.dump(c.endpoints(), null));
                Path file = tmp.resolve("snapshot-" + v + ".db");
                c.etcdctl("snapshot", "save", file.toString());
                snapshots.put(v, file);
            }
        }
    }

    @ParameterizedTest(name = "snapshot of etcd {0} into etcd {1}")
    @CsvSource({
            "3.4.23,3.6.16", "3.5.36,3.5.36", "3.5.36,3.6.16", "3.5.36,3.7.3",
            "3.6.16,3.6.16", "3.6.16,3.7.3", "3.7.3,3.7.3",
            "3.6.16,3.5.36"})
    void restoresAndServesEveryKey(String snapshotVersion, String target, @TempDir Path dir) throws Exception {
        EtcdBinaries bin = EtcdBinaries.of(target);
        Path etcdutl = bin.etcdutl().orElseThrow();
        Path snapshot = snapshots.get(snapshotVersion);
        RestoredMember.Dump original = originals.get(snapshotVersion);
        int peer = FreePorts.next();
        int client = FreePorts.next();
        String peerUrl = "http://127.0.0.1:" + peer;
        Path data = dir.resolve("r.etcd");

        JobProcess.Result r = restore(snapshot, etcdutl, peerUrl, data);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode report = Json.mapper().readTree(r.reportLine());

        // etcd's own reading of the snapshot, by the target's etcdutl
        JsonNode status = etcdutlStatus(etcdutl, snapshot);
        assertThat(report.get("snapshot-revision").asLong()).isEqualTo(status.get("revision").asLong())
                .isEqualTo(original.revision());
        assertThat(report.get("key-count").asLong()).isEqualTo(original.kvs().size());
        String storage = EtcdBinaries.atLeast36(snapshotVersion) ? EtcdBinaries.minor(snapshotVersion) + ".0" : "";
        assertThat(report.get("storage-version").asText()).isEqualTo(storage);
        if (EtcdBinaries.atLeast36(target)) {
            assertThat(status.get("totalKey").asLong()).as("etcdutl 3.6+ count the live keys").isEqualTo(original.kvs().size());
            assertThat(status.get("version").asText()).isEqualTo(storage);
        }
        assertThat(report.get("restored-revision").asLong()).isEqualTo(original.revision() + BUMP);

        String clientUrl = "http://127.0.0.1:" + client;
        Process etcd = new ProcessBuilder(bin.etcd().toString(), "--name", "r", "--data-dir", data.toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl, "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "r=" + peerUrl)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        EtcdProcesses.register(etcd);
        try {
            RestoredMember.Dump[] after = new RestoredMember.Dump[1];
            Poll.until("etcd " + target + " serving the restored data", Duration.ofSeconds(30), () -> {
                try {
                    after[0] = RestoredMember.dump(clientUrl, null);
                    return true;
                } catch (IllegalStateException e) {
                    return etcd.isAlive() ? false : failStarted(dir);
                }
            }, () -> tail(dir.resolve("etcd.log")));
            assertThat(after[0].kvs()).isEqualTo(original.kvs());
            assertThat(after[0].revision()).isEqualTo(original.revision() + BUMP);
        } finally {
            etcd.destroyForcibly();
            etcd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "snapshot of etcd {0} into etcd {1}: refused")
    @CsvSource({"3.7.3,3.6.16", "3.7.3,3.5.36"})
    void aSnapshotTooNewForTheTargetIsRefusedBeforeAnythingIsWritten(String snapshotVersion, String target,
                                                                  @TempDir Path dir) throws Exception {
        Path etcdutl = EtcdBinaries.of(target).etcdutl().orElseThrow();
        Path data = dir.resolve("r.etcd");
        JobProcess.Result r = restore(snapshots.get(snapshotVersion), etcdutl, "http://127.0.0.1:" + FreePorts.next(), data);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stderr()).contains("storage version 3.7.0", "runs etcd " + target, "etcdctl downgrade enable "
                + EtcdBinaries.minor(target), "restore-job list");
        assertThat(data).as("nothing restored").doesNotExist();
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no staging dir left").noneMatch(n -> n.contains("r.etcd"));
        }
    }

    private JobProcess.Result restore(Path snapshot, Path etcdutl, String peerUrl, Path data) {
        return JobProcess.of(RestoreJob.class.getName()).run("local", "--from", snapshot.toString(), "--etcdutl",
                etcdutl.toString(), "--name", "r", "--initial-cluster", "r=" + peerUrl, "--initial-advertise-peer-urls",
                peerUrl, "--data-dir", data.toString(), "--work-dir", data.getParent().resolve("work").toString());
    }

    private static JsonNode etcdutlStatus(Path etcdutl, Path snapshot) {
        String out = Exec.run(List.of(etcdutl.toString(), "snapshot", "status", snapshot.toString(), "-w", "json"),
                Duration.ofSeconds(30));
        return Json.mapper().readTree(out.substring(out.lastIndexOf("{\"hash\"")));
    }

    private static boolean failStarted(Path dir) {
        throw new AssertionError("etcd exited on the restored data: " + tail(dir.resolve("etcd.log")));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
