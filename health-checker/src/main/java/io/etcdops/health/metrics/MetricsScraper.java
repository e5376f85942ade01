package io.etcdops.health.metrics;

import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.etcd.PemFiles;
import io.etcdops.core.runtime.JobException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Fetches a member's {@code /metrics} over HTTP(S) with the connection's CA and client certificate (etcd asks for
 * a client certificate on its client URLs when it runs with --client-cert-auth; /metrics needs no etcd user).
 */
public final class MetricsScraper {
    private static final int MAX_BYTES = 16 * 1024 * 1024;

    private final HttpClient http;
    private final Duration timeout;

    public MetricsScraper(EtcdConnectionConfig config) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.dialTimeout());
        if (config.usesTls()) {
            b.sslContext(sslContext(config));
        }
        this.http = b.build();
        this.timeout = config.commandTimeout();
    }

    public String fetch(URI url) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        try {
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode());
            }
            byte[] body = r.body();
            if (body.length > MAX_BYTES) {
                throw new IOException("response larger than " + MAX_BYTES + " bytes");
            }
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static SSLContext sslContext(EtcdConnectionConfig config) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (config.caCert() != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                List<X509Certificate> cas = PemFiles.certificates(config.caCert(), "--cacert");
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("ca-" + i, cas.get(i));
                }
                tmf.init(trust);
            } else {
                tmf.init((KeyStore) null);
            }
            KeyManagerFactory kmf = null;
            if (config.clientCert() != null && config.clientKey() != null) {
                char[] pw = new char[0];
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", PemFiles.privateKey(config.clientKey(), "--key"), pw,
                        PemFiles.certificates(config.clientCert(), "--cert").toArray(X509Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw JobException.usage("TLS setup for /metrics failed: " + e.getMessage());
        }
    }
}
