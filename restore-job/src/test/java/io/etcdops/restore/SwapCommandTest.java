package io.etcdops.restore;

import io.etcdops.core.runtime.JobReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The swap on a member volume, on real directories: first run, and a second pod of the same run after a kill. */
class SwapCommandTest {

    @Test
    void aSecondPodOfTheSameRunKeepsWhatTheFirstPutInPlaceAndNeverTouchesTheOldData(@TempDir Path volume) throws Exception {
        Path data = volume.resolve("data");
        Path wal = volume.resolve("wal");
        write(data.resolve("member/snap/db"), "old db");
        write(wal.resolve("0.wal"), "old wal");
        stage(volume, "restored db #1", "restored wal #1");

        JobReport first = swap(volume, data, wal);
        assertThat(Files.readString(data.resolve("member/snap/db"))).isEqualTo("restored db #1");
        assertThat(Files.readString(wal.resolve("0.wal"))).isEqualTo("restored wal #1");
        assertThat(Files.readString(SwapCommand.backup(volume, "s1").resolve("member/snap/db"))).isEqualTo("old db");
        assertThat(Files.readString(SwapCommand.backup(volume, "s1").resolve("wal/0.wal"))).isEqualTo("old wal");
        assertThat(SwapCommand.staging(volume, "s1")).doesNotExist();
        assertThat(first.get("moved-aside")).isNotNull();

        // the job was killed before recording this member; the rerun's pod restores the same snapshot again
        stage(volume, "restored db #2", "restored wal #2");
        JobReport second = swap(volume, data, wal);
        assertThat(second.get("swap")).isEqualTo("already done by an earlier pod of this run");
        assertThat(Files.readString(data.resolve("member/snap/db"))).isEqualTo("restored db #1");
        assertThat(Files.readString(wal.resolve("0.wal"))).isEqualTo("restored wal #1");
        assertThat(Files.readString(SwapCommand.backup(volume, "s1").resolve("member/snap/db"))).as("old data untouched").isEqualTo("old db");
        assertThat(Files.readString(SwapCommand.backup(volume, "s1").resolve("wal/0.wal"))).isEqualTo("old wal");
        assertThat(SwapCommand.staging(volume, "s1")).doesNotExist();
    }

    @Test
    void aSwapInterruptedBetweenItsTwoRenamesIsFinished(@TempDir Path volume) throws Exception {
        Path data = volume.resolve("data");
        write(SwapCommand.backup(volume, "s1").resolve("member/snap/db"), "old db"); // moved aside, nothing in place yet
        Files.createDirectories(data);
        stage(volume, "restored db", null);
        swap(volume, data, null);
        assertThat(Files.readString(data.resolve("member/snap/db"))).isEqualTo("restored db");
        assertThat(Files.readString(SwapCommand.backup(volume, "s1").resolve("member/snap/db"))).isEqualTo("old db");
    }

    private static JobReport swap(Path volume, Path data, Path wal) throws Exception {
        SwapCommand c = new SwapCommand();
        c.volume = volume;
        c.dataDir = data;
        c.walDir = wal;
        c.stamp = "s1";
        JobReport report = new JobReport("restore-job swap");
        c.run(report);
        return report;
    }

    private static void stage(Path volume, String db, String wal) throws Exception {
        write(SwapCommand.staging(volume, "s1").resolve("member/snap/db"), db);
        if (wal != null) {
            write(SwapCommand.staging(volume, "s1").resolve("wal/0.wal"), wal);
        }
    }

    private static void write(Path file, String content) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
