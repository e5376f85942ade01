package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to reach an etcd cluster: endpoints, TLS material, credentials and timeouts. Built from CLI flags whose
 * defaults come from etcdctl's environment variables ({@link EtcdConnectionOptions}); {@link #toString()} never
 * shows the password.
 */
public record EtcdConnectionConfig(
        List<URI> endpoints,
        Path caCert,
        Path clientCert,
        Path clientKey,
        String user,
        String password,
        Duration dialTimeout,
        Duration commandTimeout) {

    public EtcdConnectionConfig {
        endpoints = List.copyOf(endpoints);
    }

    /** Parses a comma-separated endpoint list the way etcdctl does ("host:port" means http://host:port). */
    public static List<URI> parseEndpoints(String raw) {
        if (raw == null || raw.isBlank()) {
            throw JobException.usage("--endpoints is empty (env ETCDCTL_ENDPOINTS), e.g. http://127.0.0.1:2379");
        }
        List<URI> out = new ArrayList<>();
        for (String part : raw.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                continue;
            }
            if (!s.contains("://")) {
                s = "http://" + s;
            }
            URI uri;
            try {
                uri = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw JobException.usage("--endpoints: '" + part.trim() + "' is not a URL");
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw JobException.usage("--endpoints: '" + part.trim() + "' must use http:// or https://");
            }
            if (uri.getHost() == null || uri.getPort() <= 0) {
                throw JobException.usage("--endpoints: '" + part.trim() + "' needs a host and a port, e.g. http://10.0.0.1:2379");
            }
            out.add(URI.create(scheme + "://" + uri.getHost() + ":" + uri.getPort()));
        }
        if (out.isEmpty()) {
            throw JobException.usage("--endpoints is empty (env ETCDCTL_ENDPOINTS), e.g. http://127.0.0.1:2379");
        }
        return out;
    }

    /** Checks files exist and options fit together; every problem is a usage error (exit 2). */
    public EtcdConnectionConfig validated() {
        requireReadable(caCert, "--cacert");
        requireReadable(clientCert, "--cert");
        requireReadable(clientKey, "--key");
        if ((clientCert == null) != (clientKey == null)) {
            throw JobException.usage("--cert and --key must be given together (env ETCDCTL_CERT / ETCDCTL_KEY)");
        }
        if (user != null && !user.isEmpty() && (password == null || password.isEmpty())) {
            throw JobException.usage("--user '" + user + "' needs a password: --password-file, env ETCDCTL_PASSWORD, or --user NAME:PASSWORD");
        }
        return this;
    }

    public boolean usesTls() {
        return caCert != null || clientCert != null || endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    public boolean hasAuth() {
        return user != null && !user.isEmpty();
    }

    public EtcdConnectionConfig withEndpoints(List<URI> other) {
        return new EtcdConnectionConfig(other, caCert, clientCert, clientKey, user, password, dialTimeout, commandTimeout);
    }

    @Override
    public String toString() {
        return "endpoints=" + endpoints + ", cacert=" + caCert + ", cert=" + clientCert + ", key=" + clientKey
                + ", user=" + (hasAuth() ? user : "-") + ", password=" + (password == null || password.isEmpty() ? "-" : "<redacted>")
                + ", dialTimeout=" + dialTimeout + ", commandTimeout=" + commandTimeout;
    }

    private static void requireReadable(Path p, String option) {
        if (p != null && !Files.isReadable(p)) {
            throw JobException.usage(option + " " + p + ": file not found or not readable");
        }
    }
}
