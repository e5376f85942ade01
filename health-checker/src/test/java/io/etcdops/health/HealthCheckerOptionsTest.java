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

    @org.junit.jupiter.api.Test
    void sizesAsOperatorsWriteThem() {
        assertThat(ByteSizes.parse("2147483648", "x")).isEqualTo(2L << 30);
        assertThat(ByteSizes.parse("8GiB", "x")).isEqualTo(8L << 30);
        assertThat(ByteSizes.parse("512Mi", "x")).isEqualTo(512L << 20);
        assertThat(ByteSizes.parse("100MiB", "x")).isEqualTo(100L << 20);
        assertThat(ByteSizes.parse("1.5G", "x")).isEqualTo(3L << 29);
    }
}
