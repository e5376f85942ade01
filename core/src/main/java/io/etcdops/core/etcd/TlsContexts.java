package io.etcdops.core.etcd;

import io.netty.handler.ssl.SslContextBuilder;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** Applies the CA bundle and client key pair of a connection config to Netty's TLS builder (jetcd and raw gRPC). */
final class TlsContexts {

    private TlsContexts() {
    }

    static void configure(SslContextBuilder builder, EtcdConnectionConfig config) {
        if (config.caCert() != null) {
            List<X509Certificate> ca = PemFiles.certificates(config.caCert(), "--cacert");
            builder.trustManager(ca.toArray(X509Certificate[]::new));
        }
        if (config.clientCert() != null && config.clientKey() != null) {
            List<X509Certificate> chain = PemFiles.certificates(config.clientCert(), "--cert");
            PrivateKey key = PemFiles.privateKey(config.clientKey(), "--key");
            builder.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
    }
}
