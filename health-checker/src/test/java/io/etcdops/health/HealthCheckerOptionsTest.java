package io.etcdops.health;

import io.etcdops.core.runtime.JobRunner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad flags are usage errors (exit 2) with a one-line message, before anything touches etcd. */
class HealthCheckerOptionsTest {

    @ParameterizedTest
    @ValueSource(strings = {"--format=yaml", "--fail-on=info", "--metrics=maybe", "--dry-run", "--fragmentation-ratio=1.5",
            "--quota-backend-bytes=lots", "--metrics-window=soon", "--endpoints=ftp://x:1", "--store=ftp://x/y",
            "--quota-warn-ratio=0.99", "--no-such-flag"})
    void usageErrorsExitTwo(String arg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JobRunner.run(new HealthChecker(), new String[] {arg, "--dial-timeout=1s"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(arg + " -> " + err + out).isEqualTo(2);
    }

    /** The image carries no cloud SDK: a cloud store is refused up front, naming the command that checks it instead. */
    @org.junit.jupiter.api.Test
    void aCloudStoreIsAUsageErrorThatNamesTheBackupJobCheck() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JobRunner.run(new HealthChecker(), new String[] {"--store", "s3://backups/etcd", "--backup-max-age", "26h"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        // the one-line error is logged; the report on stdout carries the same text
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"status\":\"usage-error\"").contains("--store s3://backups/etcd: health-checker checks file:// stores only (its image carries no cloud SDK); "
                        + "check this store with: backup-job list --store s3://backups/etcd --max-age 26h");
    }

    @org.junit.jupiter.api.Test
    void sizesAsOperatorsWriteThem() {
        assertThat(ByteSizes.parse("2147483648", "x")).isEqualTo(2L << 30);
        assertThat(ByteSizes.parse("8GiB", "x")).isEqualTo(8L << 30);
        assertThat(ByteSizes.parse("512Mi", "x")).isEqualTo(512L << 20);
        assertThat(ByteSizes.parse("100MiB", "x")).isEqualTo(100L << 20);
        assertThat(ByteSizes.parse("1.5G", "x")).isEqualTo(3L << 29);
    }
}
