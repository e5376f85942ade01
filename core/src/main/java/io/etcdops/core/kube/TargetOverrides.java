package io.etcdops.core.kube;

import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.runtime.JobException;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Explicit settings that win over what {@link StatefulSetTarget} discovers, keyed by their CLI option names (so a
 * test passes a plain map and {@link StatefulSetTargetOptions} passes what the user typed). Every value is validated
 * here; a bad one is a usage error naming its option.
 */
public record TargetOverrides(
        String etcdContainer,
        String service,
        String clusterDomain,
        String clientScheme,
        Integer clientPort,
        String peerScheme,
        Integer peerPort,
        String dataDir,
        String dataVolume,
        String etcdVersion,
        List<URI> endpoints) {

    public static final String ETCD_CONTAINER = "--etcd-container";
    public static final String SERVICE = "--service";
    public static final String CLUSTER_DOMAIN = "--cluster-domain";
    public static final String CLIENT_SCHEME = "--client-scheme";
    public static final String CLIENT_PORT = "--client-port";
    public static final String PEER_SCHEME = "--peer-scheme";
    public static final String PEER_PORT = "--peer-port";
    public static final String DATA_DIR = "--data-dir";
    public static final String DATA_VOLUME = "--data-volume";
    public static final String ETCD_VERSION = "--etcd-version";
    public static final String TARGET_ENDPOINTS = "--target-endpoints";
    private static final Set<String> NAMES = Set.of(ETCD_CONTAINER, SERVICE, CLUSTER_DOMAIN, CLIENT_SCHEME, CLIENT_PORT,
            PEER_SCHEME, PEER_PORT, DATA_DIR, DATA_VOLUME, ETCD_VERSION, TARGET_ENDPOINTS);
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+\\.\\d+");

    public TargetOverrides {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }

    public static TargetOverrides none() {
        return of(Map.of());
    }

    /** From option name to value; blank values count as not given. */
    public static TargetOverrides of(Map<String, String> options) {
        for (String k : options.keySet()) {
            if (!NAMES.contains(k)) {
                throw new IllegalArgumentException("unknown target option " + k + " (known: " + NAMES + ")");
            }
        }
        String version = value(options, ETCD_VERSION);
        if (version != null) {
            version = version.replaceFirst("^v", "");
            if (!VERSION.matcher(version).matches()) {
                throw JobException.usage(ETCD_VERSION + " '" + options.get(ETCD_VERSION) + "' is not a version like 3.5.17");
            }
        }
        String endpoints = value(options, TARGET_ENDPOINTS);
        return new TargetOverrides(
                value(options, ETCD_CONTAINER),
                value(options, SERVICE),
                value(options, CLUSTER_DOMAIN),
                scheme(options, CLIENT_SCHEME),
                port(options, CLIENT_PORT),
                scheme(options, PEER_SCHEME),
                port(options, PEER_PORT),
                value(options, DATA_DIR),
                value(options, DATA_VOLUME),
                version,
                endpoints == null ? List.of() : parseEndpoints(endpoints));
    }

    private static List<URI> parseEndpoints(String raw) {
        try {
            return EtcdConnectionConfig.parseEndpoints(raw);
        } catch (JobException e) {
            throw JobException.usage(TARGET_ENDPOINTS + ": " + e.getMessage().replace("--endpoints", "").trim());
        }
    }

    private static String value(Map<String, String> options, String name) {
        String v = options.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String scheme(Map<String, String> options, String name) {
        String v = value(options, name);
        if (v == null) {
            return null;
        }
        String s = v.toLowerCase(Locale.ROOT);
        if (!s.equals("http") && !s.equals("https")) {
            throw JobException.usage(name + " must be http or https, not '" + v + "'");
        }
        return s;
    }

    private static Integer port(Map<String, String> options, String name) {
        String v = value(options, name);
        if (v == null) {
            return null;
        }
        try {
            int p = Integer.parseInt(v);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw JobException.usage(name + " must be a port number, not '" + v + "'");
        }
    }
}
