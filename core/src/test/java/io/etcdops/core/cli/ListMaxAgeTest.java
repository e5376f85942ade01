package io.etcdops.core.cli;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.snapshot.SnapshotCatalog;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `list --max-age`, the backup-age check for any store, on a fixed clock (the real store path: BackupFileStoreIT). */
class ListMaxAgeTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    static SnapshotCatalog.Entry taken(Duration ago) {
        return new SnapshotCatalog.Entry("etcd-" + ago.toMinutes(), "manifest", null, NOW.minus(ago));
    }

    @Test
    void theNewestDecidesAndTheLimitItselfStillPasses() {
        List<SnapshotCatalog.Entry> newestFirst = List.of(taken(Duration.ofHours(25)), taken(Duration.ofDays(3)));
        assertThatCode(() -> ListSnapshotsCommand.requireYoungerThan(newestFirst, Duration.ofHours(25), "--max-age 25h", CLOCK))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ListSnapshotsCommand.requireYoungerThan(newestFirst, Duration.ofHours(24), "--max-age 24h", CLOCK))
                .isInstanceOfSatisfying(JobException.class, e -> org.assertj.core.api.Assertions.assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED))
                .hasMessage("the newest committed snapshot etcd-1500 is 25h0m0s old, more than --max-age 24h");
    }

    @Test
    void anEmptyStoreFails() {
        assertThatThrownBy(() -> ListSnapshotsCommand.requireYoungerThan(List.of(), Duration.ofHours(25), "--max-age 25h", CLOCK))
                .isInstanceOfSatisfying(JobException.class, e -> org.assertj.core.api.Assertions.assertThat(e.exitCode()).isEqualTo(ExitCode.FAILED))
                .hasMessage("no committed snapshot in the store (--max-age 25h)");
    }
}
