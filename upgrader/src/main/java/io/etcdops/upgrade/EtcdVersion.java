package io.etcdops.upgrade;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An etcd release {@code major.minor.patch}; parses what members report ({@code 3.5.16}) and tags ({@code v3.5.16}). */
public record EtcdVersion(int major, int minor, int patch) implements Comparable<EtcdVersion> {
    private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+].*)?$");
    private static final Comparator<EtcdVersion> ORDER = Comparator.comparingInt(EtcdVersion::major)
            .thenComparingInt(EtcdVersion::minor).thenComparingInt(EtcdVersion::patch);

    public static Optional<EtcdVersion> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = VERSION.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new EtcdVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
    }

    /** Parses or throws {@link IllegalArgumentException} naming the text. */
    public static EtcdVersion parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an etcd version like 3.5.17"));
    }

    public boolean sameMinor(EtcdVersion o) {
        return major == o.major && minor == o.minor;
    }

    /** {@code 3.5}: the cluster version etcd negotiates is per minor. */
    public String minorString() {
        return major + "." + minor;
    }

    public boolean before(EtcdVersion o) {
        return compareTo(o) < 0;
    }

    @Override
    public int compareTo(EtcdVersion o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
