package io.etcdops.backup;

import io.etcdops.core.snapshot.SnapshotCatalog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides, from the committed snapshots (newest first) and a policy, which to keep and why. Pure logic: tested over
 * a synthetic clock of months of backups.
 */
public final class RetentionPlan {

    public record Decision(SnapshotCatalog.Entry entry, boolean keep, List<String> reasons) {
    }

    private RetentionPlan() {
    }

    public static List<Decision> decide(List<SnapshotCatalog.Entry> newestFirst, RetentionPolicy policy, Instant now) {
        Map<SnapshotCatalog.Entry, List<String>> reasons = new LinkedHashMap<>();
        newestFirst.forEach(e -> reasons.put(e, new ArrayList<>()));
        if (!policy.enabled()) {
            newestFirst.forEach(e -> reasons.get(e).add("retention off"));
        } else {
            int floor = policy.protectedNewest();
            for (int i = 0; i < Math.min(floor, newestFirst.size()); i++) {
                reasons.get(newestFirst.get(i)).add("last " + floor);
            }
            bucket(newestFirst, policy.keepHourly(), t -> t.truncatedTo(ChronoUnit.HOURS).toString(), "hourly", reasons);
            bucket(newestFirst, policy.keepDaily(), t -> t.toLocalDate().toString(), "daily", reasons);
            bucket(newestFirst, policy.keepWeekly(),
                    t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), "weekly", reasons);
            bucket(newestFirst, policy.keepMonthly(), t -> t.getYear() + "-" + t.getMonthValue(), "monthly", reasons);
            if (policy.keepWithin() != null && !policy.keepWithin().isZero()) {
                Instant cutoff = now.minus(policy.keepWithin());
                newestFirst.stream().filter(e -> !e.time().isBefore(cutoff)).forEach(e -> reasons.get(e).add("within " + policy.keepWithin()));
            }
        }
        List<Decision> out = new ArrayList<>();
        reasons.forEach((e, r) -> out.add(new Decision(e, !r.isEmpty(), List.copyOf(r))));
        return out;
    }

    private static void bucket(List<SnapshotCatalog.Entry> newestFirst, int n, Function<ZonedDateTime, String> period,
                               String label, Map<SnapshotCatalog.Entry, List<String>> reasons) {
        if (n <= 0) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (SnapshotCatalog.Entry e : newestFirst) {
            String p = period.apply(e.time().atZone(ZoneOffset.UTC));
            if (seen.contains(p)) {
                continue;
            }
            if (seen.size() >= n) {
                break;
            }
            seen.add(p);
            reasons.get(e).add(label + " " + p);
        }
    }
}
