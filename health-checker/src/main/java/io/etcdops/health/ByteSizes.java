package io.etcdops.health;

import io.etcdops.core.runtime.JobException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes as operators write them: "2147483648", "2GiB", "2Gi", "512MiB", "100M" (M = MiB here, as etcd docs mean). */
public final class ByteSizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)?");

    private ByteSizes() {
    }

    public static long parse(String text, String option) {
        if (text == null || text.isBlank()) {
            throw JobException.usage(option + ": empty size");
        }
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw JobException.usage(option + ": '" + text + "' is not a size (e.g. 2147483648, 2GiB, 512MiB)");
        }
        double n = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return (long) (n * (1L << shift));
    }
}
