package io.etcdops.core.etcd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Flags over etcdctl's env variables over defaults, checked in a real child JVM with a real environment. */
class EtcdConnectionOptionsTest {

    record Run(int exit, String out) {
    }

    static Run echo(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ConfigEcho.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_OPS_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void defaultsWhenNothingIsSet() throws Exception {
        Run r = echo(Map.of());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("endpoints=[http://127.0.0.1:2379]").contains("dialTimeout=PT5S").contains("user=-");
    }

    @Test
    void environmentUsesEtcdctlNames() throws Exception {
        Run r = echo(Map.of("ETCDCTL_ENDPOINTS", "10.0.0.1:2379,https://10.0.0.2:2379", "ETCDCTL_USER", "root",
                "ETCDCTL_PASSWORD", "s3cret-env", "ETCDCTL_DIAL_TIMEOUT", "2s"));
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("endpoints=[http://10.0.0.1:2379, https://10.0.0.2:2379]").contains("user=root")
                .contains("dialTimeout=PT2S");
    }

    @Test
    void flagsWinOverEnvironment() throws Exception {
        Run r = echo(Map.of("ETCDCTL_ENDPOINTS", "http://10.0.0.1:2379"), "--endpoints", "http://127.0.0.9:2379");
        assertThat(r.out()).contains("endpoints=[http://127.0.0.9:2379]").doesNotContain("10.0.0.1");
    }

    @Test
    void secretsAreRedactedInTheLoggedConfig(@TempDir Path tmp) throws Exception {
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, "file-s3cret\n");
        Run fromEnv = echo(Map.of("ETCDCTL_USER", "root", "ETCDCTL_PASSWORD", "s3cret-env"));
        Run inline = echo(Map.of(), "--user", "root:inline-s3cret");
        Run fromFile = echo(Map.of(), "--user", "root", "--password-file", pw.toString());
        for (Run r : List.of(fromEnv, inline, fromFile)) {
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("password=<redacted>").doesNotContain("s3cret");
        }
    }

    @Test
    void badInputIsAUsageError(@TempDir Path tmp) throws Exception {
        Run badScheme = echo(Map.of(), "--endpoints", "ftp://x:1");
        assertThat(badScheme.exit()).isEqualTo(2);
        assertThat(badScheme.out()).contains("must use http:// or https://");
        Run missingCa = echo(Map.of(), "--cacert", tmp.resolve("nope.crt").toString());
        assertThat(missingCa.exit()).isEqualTo(2);
        assertThat(missingCa.out()).contains("--cacert").contains("not found");
        Run userWithoutPassword = echo(Map.of(), "--user", "root");
        assertThat(userWithoutPassword.exit()).isEqualTo(2);
        assertThat(userWithoutPassword.out()).contains("needs a password");
        Run badDuration = echo(Map.of(), "--dial-timeout", "five");
        assertThat(badDuration.exit()).isEqualTo(2);
        assertThat(badDuration.out()).contains("not a duration");
    }

    @Test
    void durationsParseTheGoWay() {
        assertThat(Durations.parse("1h30m", "x")).hasMinutes(90);
        assertThat(Durations.parse("500ms", "x")).hasMillis(500);
        assertThat(Durations.parse("7d", "x")).hasDays(7);
        assertThat(Durations.parse("45", "x")).hasSeconds(45);
    }
}
