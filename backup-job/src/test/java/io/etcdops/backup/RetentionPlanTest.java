package io.etcdops.backup;

import io.etcdops.core.snapshot.SnapshotCatalog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention over a synthetic clock: six months of backups every 30 minutes. */
class RetentionPlanTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    static List<SnapshotCatalog.Entry> backupsEvery(Duration step, Duration span) {
        List<SnapshotCatalog.Entry> out = new ArrayList<>();
        for (Instant t = NOW; t.isAfter(NOW.minus(span)); t = t.minus(step)) {
            out.add(new SnapshotCatalog.Entry(t.toString(), "etcd/" + t + ".json", null, t));
        }
        return out; // newest first
    }

    static List<Instant> kept(List<RetentionPlan.Decision> ds) {
        return ds.stream().filter(RetentionPlan.Decision::keep).map(d -> d.entry().time()).toList();
    }

    @Test
    void calendarBucketsKeepTheNewestOfEachPeriod() {
        List<SnapshotCatalog.Entry> all = backupsEvery(Duration.ofMinutes(30), Duration.ofDays(180));
        List<RetentionPlan.Decision> ds = RetentionPlan.decide(all, new RetentionPolicy(3, 24, 7, 4, 6, null), NOW);
        List<Instant> kept = kept(ds);
        // newest 3 (last), then the newest of each of 24 hours, 7 days, 4 weeks, 6 months; overlaps collapse.
        assertThat(kept).contains(NOW, NOW.minus(Duration.ofMinutes(30)), NOW.minus(Duration.ofMinutes(60)));
        assertThat(kept).contains(Instant.parse("2026-11-23T23:30:00Z")); // newest of 2026-11-23 (daily)
        assertThat(kept).contains(Instant.parse("2026-10-31T23:30:00Z")); // newest of October (monthly)
        assertThat(kept).contains(Instant.parse("2026-06-30T23:30:00Z")); // newest of June: 6th month back
        assertThat(kept).doesNotContain(Instant.parse("2026-05-31T23:30:00Z"));
        long monthly = kept.stream().filter(t -> t.toString().endsWith("T23:30:00Z") && t.atZone(java.time.ZoneOffset.UTC)
                .plusDays(1).getDayOfMonth() == 1).count();
        assertThat(monthly).isGreaterThanOrEqualTo(5);
        assertThat(kept.size()).isLessThan(3 + 24 + 7 + 4 + 6 + 1);
    }

    @Test
    void theNewestNAreNeverDeletedWhateverElseTheRulesSay() {
        List<SnapshotCatalog.Entry> all = backupsEvery(Duration.ofHours(1), Duration.ofDays(10));
        for (int n = 1; n <= 5; n++) {
            List<RetentionPlan.Decision> ds = RetentionPlan.decide(all, new RetentionPolicy(n, 0, 0, 0, 1, null), NOW);
            for (int i = 0; i < n; i++) {
                assertThat(ds.get(i).keep()).as("newest #" + i + " with keep-last " + n).isTrue();
            }
        }
        // any enabled rule keeps at least the newest one
        List<RetentionPlan.Decision> withinOnly = RetentionPlan.decide(all, new RetentionPolicy(0, 0, 0, 0, 0, Duration.ofSeconds(1)),
                NOW.plus(Duration.ofDays(30)));
        assertThat(withinOnly.get(0).keep()).isTrue();
        assertThat(kept(withinOnly)).hasSize(1);
    }

    @Test
    void keepWithinKeepsEverythingYoungerThanTheDuration() {
        List<SnapshotCatalog.Entry> all = backupsEvery(Duration.ofHours(1), Duration.ofDays(5));
        List<RetentionPlan.Decision> ds = RetentionPlan.decide(all, new RetentionPolicy(0, 0, 0, 0, 0, Duration.ofHours(48)), NOW);
        assertThat(kept(ds)).hasSize(49).allMatch(t -> !t.isBefore(NOW.minus(Duration.ofHours(48))));
    }

    @Test
    void retentionOffKeepsEverything() {
        List<SnapshotCatalog.Entry> all = backupsEvery(Duration.ofHours(6), Duration.ofDays(400));
        assertThat(RetentionPlan.decide(all, RetentionPolicy.none(), NOW)).allMatch(RetentionPlan.Decision::keep);
    }
}
