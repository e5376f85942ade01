package io.etcdops.core.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The report goes to the stream the runner was given (in-process callers, tests), on success and on failure alike. */
class JobRunnerTest {

    @Command(name = "probe")
    static final class Probe extends JobCommand {
        private final RuntimeException failure;

        Probe(RuntimeException failure) {
            super("probe");
            this.failure = failure;
        }

        @Override
        protected void run(JobReport report) {
            report.put("answer", 42);
            if (failure != null) {
                throw failure;
            }
        }
    }

    @Test
    void successAndFailureReportsGoToTheGivenStreamAndExitCodesFollowTheOutcome(@TempDir Path dir) throws Exception {
        PrintStream realOut = System.out;
        ByteArrayOutputStream leaked = new ByteArrayOutputStream();
        System.setOut(new PrintStream(leaked, true, StandardCharsets.UTF_8));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int ok = JobRunner.run(new Probe(null), new String[] {"--output-dir", dir.toString()}, new PrintStream(out, true), new PrintStream(err, true));
            assertThat(ok).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"job\":\"probe\"", "\"status\":\"succeeded\"", "\"answer\":42");
            assertThat(Files.readString(dir.resolve("status"))).isEqualTo("succeeded");

            out.reset();
            int refused = JobRunner.run(new Probe(JobException.refused("another run holds the lease")), new String[0],
                    new PrintStream(out, true), new PrintStream(err, true));
            assertThat(refused).isEqualTo(ExitCode.REFUSED.code());
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"status\":\"refused\"", "\"error\":\"another run holds the lease\"");

            out.reset();
            int failed = JobRunner.run(new Probe(new IllegalStateException("boom")), new String[0], new PrintStream(out, true), new PrintStream(err, true));
            assertThat(failed).isEqualTo(ExitCode.FAILED.code());
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"status\":\"failed\"", "boom");
        } finally {
            System.setOut(realOut);
        }
        assertThat(leaked.toString(StandardCharsets.UTF_8)).as("nothing printed on System.out").isEmpty();
    }
}
