package io.etcdops.upgrade;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * etcd 3.6's migration of the {@code --experimental-*} flags, from its own code: {@code experimentalFlagMigrationMap}
 * in {@code server/embed/config.go} (plus {@code --experimental-warning-unary-request-duration}, migrated in
 * {@code etcdmain/config.go}) and {@code ExperimentalFlagToFeatureMap} in {@code server/features/etcd_features.go}
 * (v3.6.16). These are all 23 {@code --experimental-*} flags of {@code etcd --help} 3.6.16; etcd 3.7.3 has none of them
 * ("flag provided but not defined"; as {@code ETCD_EXPERIMENTAL_*} variables it logs "unrecognized environment
 * variable" and runs without the setting). etcd 3.5.36 has all of them but two (marked below) and neither the new
 * names nor {@code --feature-gates}.
 */
final class ExperimentalFlags {

    /** experimental flag (without dashes) -> its 3.6 name. */
    static final Map<String, String> RENAMED = new LinkedHashMap<>();
    /** experimental boolean -> the 3.6 feature gate that replaces it (value carried over). */
    static final Map<String, String> GATES = new LinkedHashMap<>();
    /** Experimental flags that 3.5 does not have either (new in 3.6, deprecated at once). */
    static final Set<String> NOT_IN_35 = Set.of("experimental-snapshot-catchup-entries", "experimental-warning-unary-request-duration");
    /**
     * Flags etcd 3.6.16 has and 3.5.36 does not (a diff of their {@code --help}), which a 3.5 member refuses at start:
     * the new names and gates above and these.
     */
    static final Set<String> ONLY_SINCE_36 = Set.of("feature-gates", "log-format", "max-learners", "discovery-cacert",
            "discovery-cert", "discovery-dial-timeout", "discovery-endpoints", "discovery-insecure-skip-tls-verify",
            "discovery-insecure-transport", "discovery-keepalive-time", "discovery-keepalive-timeout", "discovery-key",
            "discovery-password", "discovery-request-timeout", "discovery-token", "discovery-user");

    /** Booleans among them (and their new names): Go's flag package never takes their value from the next argument. */
    static final Set<String> BOOLEANS = Set.of("experimental-memory-mlock", "memory-mlock",
            "experimental-peer-skip-client-san-verification", "peer-skip-client-san-verification",
            "experimental-enable-distributed-tracing", "enable-distributed-tracing", "enable-v2", "experimental-enable-v2v3",
            "experimental-stop-grpc-service-on-defrag", "experimental-initial-corrupt-check",
            "experimental-compact-hash-check-enabled", "experimental-txn-mode-write-with-shared-buffer",
            "experimental-enable-lease-checkpoint", "experimental-enable-lease-checkpoint-persist");

    static {
        for (String f : new String[] {"compact-hash-check-time", "corrupt-check-time", "compaction-batch-limit",
                "watch-progress-notify-interval", "warning-apply-duration", "bootstrap-defrag-threshold-megabytes", "memory-mlock",
                "snapshot-catchup-entries", "compaction-sleep-interval", "downgrade-check-time", "peer-skip-client-san-verification",
                "enable-distributed-tracing", "distributed-tracing-address", "distributed-tracing-service-name",
                "distributed-tracing-instance-id", "distributed-tracing-sampling-rate", "warning-unary-request-duration"}) {
            RENAMED.put("experimental-" + f, f);
        }
        GATES.put("experimental-stop-grpc-service-on-defrag", "StopGRPCServiceOnDefrag");
        GATES.put("experimental-initial-corrupt-check", "InitialCorruptCheck");
        GATES.put("experimental-compact-hash-check-enabled", "CompactHashCheck");
        GATES.put("experimental-txn-mode-write-with-shared-buffer", "TxnModeWriteWithSharedBuffer");
        GATES.put("experimental-enable-lease-checkpoint", "LeaseCheckpoint");
        GATES.put("experimental-enable-lease-checkpoint-persist", "LeaseCheckpointPersist");
    }

    private ExperimentalFlags() {
    }

    static boolean isExperimental(String flag) {
        return RENAMED.containsKey(flag) || GATES.containsKey(flag);
    }

    /** What replaces {@code flag=value} from 3.6 on, as an operator writes it. */
    static String replacement(String flag, String value) {
        if (RENAMED.containsKey(flag)) {
            return "--" + RENAMED.get(flag) + (value == null ? "" : "=" + value);
        }
        return "--feature-gates=" + GATES.get(flag) + "=" + booleanValue(value);
    }

    /** A boolean flag's value as etcd reads it: bare means true. */
    static String booleanValue(String value) {
        return value == null || value.isBlank() ? "true" : value.trim().toLowerCase();
    }

    /** The experimental flag a 3.6 name goes back to for 3.5, or null when 3.5 has none. */
    static String experimentalFor35(String newName) {
        for (var e : RENAMED.entrySet()) {
            if (e.getValue().equals(newName)) {
                return NOT_IN_35.contains(e.getKey()) ? null : e.getKey();
            }
        }
        return null;
    }

    /** The experimental boolean a feature gate goes back to for 3.5, or null. */
    static String experimentalForGate(String gate) {
        for (var e : GATES.entrySet()) {
            if (e.getValue().equals(gate)) {
                return e.getKey();
            }
        }
        return null;
    }
}
