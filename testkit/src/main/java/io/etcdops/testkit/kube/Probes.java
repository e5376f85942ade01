package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Readiness checks against the real process: the container's {@code readinessProbe} ({@code httpGet} and
 * {@code tcpSocket}; {@code exec} and {@code grpc} are explicit errors), or, for an etcd server without a probe,
 * etcd's own {@code /health} on its first client URL — as if it had the probe etcd's docs recommend. Like the kubelet,
 * HTTPS probes do not verify the server certificate (and present no client certificate).
 */
final class Probes {
    private static final int TIMEOUT_MS = 1000;
    private static final SSLContext TRUST_ALL = trustAll();

    private Probes() {
    }

    /** A check for the container; empty when readiness simply follows "running". */
    static Optional<ReadinessCheck> readiness(Container c, String podIp, Optional<URI> etcdClientUrl) {
        Probe p = c.getReadinessProbe();
        if (p != null) {
            return Optional.of(check(c, p, "readinessProbe", podIp));
        }
        return etcdClientUrl.map(u -> u.getScheme().equals("https")
                ? () -> tcpOpen(u.getHost(), u.getPort())
                : () -> httpOk(u.resolve("/health"), true));
    }

    /** The container's {@code livenessProbe} (no default): on the real control plane a failing one restarts it. */
    static Optional<ReadinessCheck> liveness(Container c, String podIp) {
        Probe p = c.getLivenessProbe();
        return p == null ? Optional.empty() : Optional.of(check(c, p, "livenessProbe", podIp));
    }

    private static ReadinessCheck check(Container c, Probe p, String kind, String podIp) {
        if (p.getHttpGet() != null) {
            var h = p.getHttpGet();
            String scheme = Optional.ofNullable(h.getScheme()).orElse("HTTP").toLowerCase();
            String host = Optional.ofNullable(h.getHost()).filter(s -> !s.isEmpty()).orElse(podIp);
            int port = port(c, h.getPort());
            String path = Optional.ofNullable(h.getPath()).orElse("/");
            URI uri = URI.create(scheme + "://" + host + ":" + port + (path.startsWith("/") ? path : "/" + path));
            return () -> httpOk(uri, false);
        }
        if (p.getTcpSocket() != null) {
            String host = Optional.ofNullable(p.getTcpSocket().getHost()).filter(s -> !s.isEmpty()).orElse(podIp);
            int port = port(c, p.getTcpSocket().getPort());
            return () -> tcpOpen(host, port);
        }
        throw new UnsupportedContainerException("container " + c.getName() + ": " + kind + " "
                + (p.getExec() != null ? "exec " + p.getExec().getCommand() : "grpc")
                + " is not simulated (httpGet and tcpSocket are)");
    }

    @FunctionalInterface
    interface ReadinessCheck {
        boolean ready();
    }

    static int port(Container c, IntOrString port) {
        if (port == null) {
            throw new UnsupportedContainerException("container " + c.getName() + ": probe without a port");
        }
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        List<ContainerPort> ports = c.getPorts();
        return ports.stream().filter(cp -> port.getStrVal().equals(cp.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new UnsupportedContainerException("container " + c.getName() + ": probe port "
                        + port.getStrVal() + " is not a named container port"));
    }

    static boolean httpOk(URI uri, boolean etcdHealth) {
        try {
            HttpURLConnection conn = (HttpURLConnection) uri.toURL().openConnection();
            if (conn instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(TRUST_ALL.getSocketFactory());
                https.setHostnameVerifier((h, s) -> true);
            }
            conn.setConnectTimeout(TIMEOUT_MS);
            conn.setReadTimeout(TIMEOUT_MS);
            int code = conn.getResponseCode();
            if (code < 200 || code >= 400) {
                return false;
            }
            if (!etcdHealth) {
                return true;
            }
            try (InputStream in = conn.getInputStream()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return body.replace(" ", "").contains("\"health\":\"true\"");
            }
        } catch (IOException e) {
            return false;
        }
    }

    static boolean tcpOpen(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
