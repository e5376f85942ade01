package io.etcdops.health.metrics;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.runtime.JobException;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where each member's metrics are: by default its client URL + {@code /metrics} (etcd serves them there); with
 * {@code --metrics-urls} explicit URLs, e.g. the {@code --listen-metrics-urls} port 2381. An explicit entry is
 * {@code NAME=URL} or a plain URL matched to the member whose client URL has the same host.
 */
public final class MetricsTargets {

    private MetricsTargets() {
    }

    /** Parses --metrics-urls; an empty or blank value means "use the client URLs". */
    public static List<String> parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(raw.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * @param explicit entries from --metrics-urls (empty: client URL + /metrics)
     * @param endpoint the client URL we dial for each member
     * @return member id -> metrics URL, for the members with a known URL
     */
    public static Map<Long, URI> resolve(List<MemberInfo> members, List<String> explicit, Function<MemberInfo, URI> endpoint) {
        Map<Long, URI> out = new LinkedHashMap<>();
        if (explicit.isEmpty()) {
            for (MemberInfo m : members) {
                if (!m.clientUrls().isEmpty()) {
                    URI e = endpoint.apply(m);
                    out.put(m.id(), URI.create(e.getScheme() + "://" + e.getHost() + ":" + e.getPort() + "/metrics"));
                }
            }
            return out;
        }
        for (String entry : explicit) {
            int eq = entry.indexOf('=');
            boolean named = eq > 0 && !entry.substring(0, eq).contains("://");
            URI url = toMetricsUrl(named ? entry.substring(eq + 1) : entry);
            MemberInfo match;
            if (named) {
                String name = entry.substring(0, eq);
                match = members.stream().filter(m -> name.equals(m.name()) || name.equalsIgnoreCase(m.idHex())).findFirst()
                        .orElseThrow(() -> JobException.usage("--metrics-urls: no member named '" + name + "'"));
            } else {
                List<MemberInfo> sameHost = members.stream()
                        .filter(m -> m.clientUrls().stream().anyMatch(c -> url.getHost().equalsIgnoreCase(c.getHost()))).toList();
                if (sameHost.size() != 1) {
                    throw JobException.usage("--metrics-urls: cannot tell which member " + url + " belongs to ("
                            + sameHost.size() + " members on host " + url.getHost() + "); write NAME=URL");
                }
                match = sameHost.get(0);
            }
            out.put(match.id(), url);
        }
        return out;
    }

    private static URI toMetricsUrl(String s) {
        URI u;
        try {
            u = URI.create(s.strip());
        } catch (IllegalArgumentException e) {
            throw JobException.usage("--metrics-urls: '" + s + "' is not a URL");
        }
        if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
            throw JobException.usage("--metrics-urls: '" + s + "' must be an http:// or https:// URL");
        }
        String path = u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/") ? "/metrics" : u.getPath();
        return URI.create(u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + path);
    }
}
