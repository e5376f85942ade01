package io.etcdops.upgrade;

import io.etcdops.core.kube.EtcdContainerSettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The etcd server flags a new minor removed or renamed, checked against the etcd container before the first member
 * is touched. A <b>removed command-line flag</b> stops the new etcd at start ("flag provided but not defined", checked
 * with the 3.5.30 binary), so it is a problem that refuses the upgrade; a removed {@code ETCD_*} variable is only
 * warned about and ignored by etcd, and a deprecated-but-accepted flag is a warning. Sources: etcd's upgrade guides
 * (3.4 -> 3.5, 3.5 -> 3.6 "Flags removed/deprecated", 3.6 -> 3.7 "all deprecated --experimental-* flags removed") and a
 * diff of {@code etcd --help} of 3.4.23 and 3.5.30.
 */
public final class FlagChanges {

    /** What the check found: problems refuse the upgrade, warnings go into the report. */
    public record Findings(List<String> problems, List<String> warnings) {
    }

    private record Change(String flag, String value, String replacement, boolean removed) {
    }

    /** 3.5 renamed these experimental flags (the old name still works in 3.6, and is gone in 3.7). */
    private static final Map<String, String> RENAMED_IN_36 = new LinkedHashMap<>();
    /** 3.6 turned these experimental booleans into feature gates. */
    private static final Map<String, String> GATES_IN_36 = new LinkedHashMap<>();

    static {
        for (String f : List.of("bootstrap-defrag-threshold-megabytes", "compaction-batch-limit", "compact-hash-check-time",
                "compaction-sleep-interval", "corrupt-check-time", "enable-distributed-tracing", "distributed-tracing-address",
                "distributed-tracing-instance-id", "distributed-tracing-sampling-rate", "distributed-tracing-service-name",
                "downgrade-check-time", "max-learners", "memory-mlock", "peer-skip-client-san-verification",
                "snapshot-catchup-entries", "warning-apply-duration", "warning-unary-request-duration",
                "watch-progress-notify-interval")) {
            RENAMED_IN_36.put("experimental-" + f, "--" + f);
        }
        GATES_IN_36.put("experimental-compact-hash-check-enabled", "--feature-gates=CompactHashCheck=true");
        GATES_IN_36.put("experimental-initial-corrupt-check", "--feature-gates=InitialCorruptCheck=true");
        GATES_IN_36.put("experimental-enable-lease-checkpoint", "--feature-gates=LeaseCheckpoint=true");
        GATES_IN_36.put("experimental-enable-lease-checkpoint-persist", "--feature-gates=LeaseCheckpointPersist=true");
        GATES_IN_36.put("experimental-stop-grpc-service-on-defrag", "--feature-gates=StopGRPCServiceOnDefrag=true");
        GATES_IN_36.put("experimental-txn-mode-write-with-shared-buffer", "--feature-gates=TxnModeWriteWithSharedBuffer=false");
    }

    private FlagChanges() {
    }

    /** The changes that entering minor {@code 3.<minor>} brings. */
    private static List<Change> enteringMinor(int major, int minor) {
        List<Change> c = new ArrayList<>();
        if (major != 3) {
            return c;
        }
        switch (minor) {
            case 5 -> {
                c.add(new Change("debug", null, "--log-level=debug", true));
                c.add(new Change("log-package-levels", null, "--log-level (capnslog is gone in 3.5)", true));
                c.add(new Change("log-output", null, "--log-outputs", true));
                c.add(new Change("experimental-backend-bbolt-freelist-type", null, "--backend-bbolt-freelist-type", true));
                c.add(new Change("logger", "capnslog", "--logger=zap", true));
                c.add(new Change("enable-v2", null, "nothing: the v2 API is deprecated in 3.5 and removed in 3.6", false));
                c.add(new Change("experimental-enable-v2v3", null, "nothing: deprecated in 3.5, removed in 3.6", false));
            }
            case 6 -> {
                c.add(new Change("enable-v2", null, "nothing (the v2 API is gone; run 'etcdutl check v2store' first, see "
                        + "etcd's 3.6 upgrade guide)", true));
                c.add(new Change("experimental-enable-v2v3", null, "nothing (the v2 API is gone)", true));
                for (String p : List.of("proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout",
                        "proxy-write-timeout", "proxy-read-timeout")) {
                    c.add(new Change(p, null, "nothing (the v2 proxy is gone)", true));
                }
                RENAMED_IN_36.forEach((old, now) -> c.add(new Change(old, null, now, false)));
                GATES_IN_36.forEach((old, now) -> c.add(new Change(old, null, now, false)));
            }
            case 7 -> {
                RENAMED_IN_36.forEach((old, now) -> c.add(new Change(old, null, now, true)));
                GATES_IN_36.forEach((old, now) -> c.add(new Change(old, null, now, true)));
            }
            default -> {
            }
        }
        return c;
    }

    /** Checks the container's settings for an upgrade from {@code from} to {@code to} (no-op within a minor or going down). */
    public static Findings check(EtcdContainerSettings settings, EtcdVersion from, EtcdVersion to) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (to.major() != from.major() || to.minor() <= from.minor()) {
            return new Findings(problems, warnings);
        }
        for (int minor = from.minor() + 1; minor <= to.minor(); minor++) {
            for (Change c : enteringMinor(to.major(), minor)) {
                var v = settings.get(c.flag());
                if (v.isEmpty() || (c.value() != null && !c.value().equalsIgnoreCase(v.get().trim()))) {
                    continue;
                }
                String source = settings.sourceOf(c.flag());
                boolean isEnv = !source.startsWith("--");
                String used = source + "=" + v.get();
                String minorText = to.major() + "." + minor;
                if (c.removed() && !isEnv) {
                    problems.add(used + " is not accepted by etcd " + minorText + " (it would not start); use "
                            + c.replacement() + " instead");
                } else if (c.removed()) {
                    warnings.add(used + " is ignored by etcd " + minorText + " (the setting was removed; replacement: " + c.replacement() + ")");
                } else {
                    warnings.add(used + " is deprecated in etcd " + minorText + "; use " + c.replacement());
                }
            }
        }
        if (to.major() == 3 && to.minor() == 6 && from.minor() == 5) {
            if (settings.get("snapshot-count").isEmpty()) {
                warnings.add("--snapshot-count is not set: its default drops from 100000 to 10000 in etcd 3.6");
            }
        }
        return new Findings(problems, warnings);
    }
}
