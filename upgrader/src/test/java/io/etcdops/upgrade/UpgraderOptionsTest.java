package io.etcdops.upgrade;

import io.etcdops.core.runtime.JobRunner;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage errors end with exit 2 and a message naming the option, before anything is contacted. */
class UpgraderOptionsTest {

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JobRunner.run(new Upgrader(), args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheExitCodesAndTheGates() {
        Outcome o = run("--help");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("--to-version", "--skip-backup", "--dry-run", "--member-timeout", "ETCD_OPS_TO_VERSION",
                "3  refused for safety", "rollback-command", "leader last");
        assertThat(o.out()).as("the 3.6/3.7 options and the downgrade").contains("--rewrite-flags", "ETCD_OPS_REWRITE_FLAGS",
                "downgrade validate", "downgrade enable", "3.6.11");
        assertThat(o.err()).as("picocli warnings (e.g. a lone % in a description)").isEmpty();
    }

    @Test
    void aVersionIsRequiredAndMustBeOne() {
        assertThat(run("--statefulset", "etcd", "--skip-backup").out()).contains("--to-version is required").contains("\"exit-code\":2");
        assertThat(run("--statefulset", "etcd", "--skip-backup", "--to-version", "latest").out()).contains("not an etcd version");
    }

    @Test
    void aBackupStoreIsRequiredUnlessSkippedExplicitly() {
        Outcome o = run("--statefulset", "etcd", "--to-version", "3.5.30");
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.out()).contains("--store is required").contains("--skip-backup");
        assertThat(run("--statefulset", "etcd", "--to-version", "3.5.30", "--skip-backup", "--member-timeout", "0s").out())
                .contains("--member-timeout must be positive");
    }
}
