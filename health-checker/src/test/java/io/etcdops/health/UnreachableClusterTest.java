package io.etcdops.health;

import io.etcdops.testkit.etcd.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Nothing listens on the endpoints: still a report (critical, exit 1) with the backup age, and the output files. */
class UnreachableClusterTest {

    @Test
    void noEndpointAnswersIsACriticalReport(@TempDir Path tmp) throws Exception {
        Path backups = tmp.resolve("backups");
        HealthCheckIT.writeFakeBackup(backups, java.time.Instant.now().minusSeconds(600));
        HealthCheckerHarness.Result r = HealthCheckerHarness.run(List.of("--endpoints", "http://127.0.0.1:" + FreePorts.next(),
                "--dial-timeout", "1s", "--command-timeout", "1s", "--format", "json", "--store", backups.toUri().toString(),
                "--output-dir", tmp.resolve("out").toString()));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.json()).containsEntry("status", "critical").containsEntry("criticals", 1);
        assertThat(r.problems()).singleElement().satisfies(f -> assertThat((String) f.get("message")).contains("no etcd endpoint answered"));
        assertThat(r.findings()).anySatisfy(f -> assertThat(f).containsEntry("check", "backup").containsEntry("severity", "ok"));
        assertThat(Files.readString(tmp.resolve("out/status"))).isEqualTo("critical");
        assertThat(Files.readString(tmp.resolve("out/findings.json"))).contains("no etcd endpoint answered");
    }
}
