package io.etcdops.testkit.etcd;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throwaway CA generated in the test, and server / client certificates it signs, written as PEM files
 * (keys as PKCS#8). Server certificates name 127.0.0.1 and localhost; client certificates carry CN=root so etcd's
 * --client-cert-auth maps them to the root user.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    public record Pair(Path cert, Path key) {
    }

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final Path caFile;

    private TestCertificates(Path dir, String caName) throws GeneralSecurityException, IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.caKeys = rsa();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder b = builder(name, name, caKeys);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caCert = sign(b, caKeys.getPrivate());
        this.caFile = dir.resolve(caName + ".crt");
        writePem(caFile, "CERTIFICATE", caCert.getEncoded());
    }

    public static TestCertificates create(Path dir, String caName) {
        try {
            return new TestCertificates(dir, caName);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create test CA: " + e.getMessage(), e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    /** A certificate usable as server and client (etcd peers need both usages). */
    public Pair server(String name) {
        return issue(name, true);
    }

    public Pair client(String commonName) {
        return issue(commonName, false);
    }

    /**
     * A client certificate with organizations (Kubernetes maps CN to the user and each O to a group, e.g.
     * {@code system:masters}), written as {@code <file>.crt/.key}.
     */
    public Pair client(String file, String commonName, String... organizations) {
        StringBuilder subject = new StringBuilder("CN=" + commonName);
        for (String o : organizations) {
            subject.append(",O=").append(o);
        }
        return issue(file, subject.toString(), false, new String[0]);
    }

    /** A server (and client) certificate naming 127.0.0.1, localhost and the extra DNS names. */
    public Pair server(String name, String... dnsNames) {
        return issue(name, "CN=" + name, true, dnsNames);
    }

    private Pair issue(String cn, boolean server) {
        return issue(cn, "CN=" + cn, server, new String[0]);
    }

    private Pair issue(String file, String subject, boolean server, String[] dnsNames) {
        String cn = file;
        try {
            KeyPair keys = rsa();
            X509v3CertificateBuilder b = builder(new X500Name("CN=" + caCert.getSubjectX500Principal().getName().substring(3)),
                    new X500Name(subject), keys);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (server) {
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                GeneralName[] names = new GeneralName[2 + dnsNames.length];
                names[0] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
                names[1] = new GeneralName(GeneralName.dNSName, "localhost");
                for (int i = 0; i < dnsNames.length; i++) {
                    names[2 + i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            } else {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            X509Certificate cert = sign(b, caKeys.getPrivate());
            Path certFile = dir.resolve(cn + ".crt");
            Path keyFile = dir.resolve(cn + ".key");
            writePem(certFile, "CERTIFICATE", cert.getEncoded());
            writePem(keyFile, "PRIVATE KEY", keys.getPrivate().getEncoded());
            return new Pair(certFile, keyFile);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue test certificate: " + e.getMessage(), e);
        }
    }

    /** An RSA key pair as PEM files {@code <name>.key} (PKCS#8) and {@code <name>.pub} (X.509 SubjectPublicKeyInfo). */
    public Pair keyPair(String name) {
        try {
            KeyPair keys = rsa();
            Path pub = dir.resolve(name + ".pub");
            Path key = dir.resolve(name + ".key");
            writePem(pub, "PUBLIC KEY", keys.getPublic().getEncoded());
            writePem(key, "PRIVATE KEY", keys.getPrivate().getEncoded());
            return new Pair(pub, key);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create key pair: " + e.getMessage(), e);
        }
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(2, ChronoUnit.DAYS)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }
}
