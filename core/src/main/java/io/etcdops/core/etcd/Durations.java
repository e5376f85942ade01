package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written the Go way ("500ms", "5s", "2m30s", "1h", "7d") as etcdctl and Kubernetes users write them. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

    private Durations() {
    }

    public static Duration parse(String text, String option) {
        if (text == null || text.isBlank()) {
            throw JobException.usage(option + ": empty duration");
        }
        String s = text.trim();
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
            end = m.end();
        }
        if (end != s.length() || end == 0) {
            throw JobException.usage(option + ": '" + text + "' is not a duration (e.g. 500ms, 30s, 5m, 1h30m, 7d)");
        }
        return total;
    }

    /** "1m30s"-style text for reports. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return String.format("%.1fs", ms / 1000.0);
        }
        return (s / 3600 > 0 ? s / 3600 + "h" : "") + ((s % 3600) / 60) + "m" + (s % 60) + "s";
    }
}
