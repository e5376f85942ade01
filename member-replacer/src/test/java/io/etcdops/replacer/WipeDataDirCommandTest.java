package io.etcdops.replacer;

import io.etcdops.core.runtime.JobRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class WipeDataDirCommandTest {

    @Test
    void emptiesTheDirectoryButKeepsItAndLostAndFound(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("member/wal"));
        Files.writeString(data.resolve("member/wal/0.wal"), "x");
        Files.createDirectories(data.resolve("lost+found"));
        Files.writeString(data.resolve("stray"), "y");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = JobRunner.run(new MemberReplacer(), new String[] {"wipe-data-dir", "--dir", data.toString()},
                new PrintStream(out), new PrintStream(new ByteArrayOutputStream()));

        assertThat(code).isZero();
        assertThat(data).isDirectory();
        try (var left = Files.list(data)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("lost+found");
        }
    }

    @Test
    void refusesTheRootAndCommandLineMistakes() {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThat(JobRunner.run(new MemberReplacer(), new String[] {"wipe-data-dir", "--dir", "/"}, quiet, quiet)).isEqualTo(2);
        assertThat(JobRunner.run(new MemberReplacer(), new String[] {}, quiet, quiet)).as("--statefulset missing").isEqualTo(2);
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        assertThat(JobRunner.run(new MemberReplacer(), new String[] {"--help"}, new PrintStream(help), quiet)).isZero();
        assertThat(help.toString()).contains("--grace", "--member", "--dry-run", "Exit codes:", "restore-after-quorum-loss.md");
    }
}
