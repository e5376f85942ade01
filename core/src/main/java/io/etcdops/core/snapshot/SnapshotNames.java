package io.etcdops.core.snapshot;

import io.etcdops.core.runtime.JobException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object layout of docs/design.md: {@code <cluster>/<UTC timestamp>-r<revision>.db[.zst|.gz][.enc]} plus the manifest
 * {@code <cluster>/<UTC timestamp>-r<revision>.json} (keys relative to the store prefix). The timestamp sorts
 * lexicographically in time order, so a store's sorted listing is chronological.
 */
public final class SnapshotNames {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern MANIFEST = Pattern.compile("(\\d{8}T\\d{6}Z)-r(\\d+)\\.json");
    private static final Pattern CLUSTER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private SnapshotNames() {
    }

    public static String validateCluster(String cluster) {
        if (cluster == null || !CLUSTER.matcher(cluster).matches()) {
            throw JobException.usage("--cluster-name '" + cluster + "' must be 1-63 characters of letters, digits, '.', '_' or '-'");
        }
        return cluster;
    }

    /** "20261124T093000Z-r12345" */
    public static String stem(Instant at, long revision) {
        return TS.format(at) + "-r" + revision;
    }

    public static String objectKey(String cluster, String stem, Compression c, boolean encrypted) {
        return cluster + "/" + stem + ".db" + c.suffix() + (encrypted ? ".enc" : "");
    }

    public static String manifestKey(String cluster, String stem) {
        return cluster + "/" + stem + ".json";
    }

    /** The snapshot name users pass to --snapshot: the stem. */
    public static String nameOfManifestKey(String key) {
        String file = key.substring(key.lastIndexOf('/') + 1);
        return file.substring(0, file.length() - ".json".length());
    }

    /** The time encoded in a manifest key written by us, or empty for keys we did not write. */
    public static Optional<Instant> timeOfManifestKey(String key) {
        String file = key.substring(key.lastIndexOf('/') + 1);
        Matcher m = MANIFEST.matcher(file);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.from(TS.parse(m.group(1))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** True for keys this tool writes (objects and manifests); retention never touches anything else. */
    public static boolean isOurs(String key, String cluster) {
        if (!key.startsWith(cluster + "/")) {
            return false;
        }
        String file = key.substring(cluster.length() + 1);
        return file.matches("\\d{8}T\\d{6}Z-r\\d+\\.(json|db(\\.zst|\\.gz)?(\\.enc)?)");
    }
}
