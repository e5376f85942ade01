package io.etcdops.testkit.objectstore;

import io.etcdops.testkit.TestCache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real S3 API for tests: S3Proxy 4.1.0 ({@code jar-with-dependencies}, from the test cache) as a separate
 * {@code java -jar} process on 127.0.0.1, with jclouds' filesystem backend so objects and multipart uploads survive
 * {@link #stop()} / {@link #start()} (the "object store went away mid-upload" tests). Signature v2 and v4 with fixed
 * test credentials. S3Proxy 4.1.0 runs on Java 17, so the test JVM's own java is used.
 *
 * <p>One server per JVM ({@link #shared()}); tests isolate themselves with their own bucket names.
 */
public final class S3ProxyServer {

    public static final String JAR = "s3proxy/s3proxy-4.1.0-jar-with-dependencies.jar";
    public static final String ACCESS_KEY = "etcd-ops-test";
    public static final String SECRET_KEY = "etcd-ops-test-secret";
    public static final String REGION = "us-east-1";

    private static S3ProxyServer shared;

    private final Path dataDir;
    private final LocalServerProcess process;

    private S3ProxyServer() {
        Path jar = TestCache.require(JAR, "S3Proxy 4.1.0");
        Path workDir = LocalServerProcess.tempDir("etcd-ops-s3proxy");
        this.dataDir = workDir.resolve("data");
        int port = LocalServerProcess.freePort();
        Path config = workDir.resolve("s3proxy.conf");
        try {
            Files.createDirectories(dataDir);
            Files.writeString(config, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + dataDir,
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.process = new LocalServerProcess("s3proxy", List.of(java, "-Xmx512m", "-jar", jar.toString(),
                "--properties", config.toString()), port, workDir);
    }

    /** The JVM-wide server, started on first use. */
    public static synchronized S3ProxyServer shared() {
        if (shared == null) {
            shared = new S3ProxyServer();
        }
        shared.start();
        return shared;
    }

    /** Starts the server, or restarts it on the same port and data after {@link #stop()}. */
    public void start() {
        process.start();
    }

    /** Stops the server: requests fail with connection refused until {@link #start()}. */
    public void stop() {
        process.stop();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + process.port());
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public String region() {
        return REGION;
    }

    /**
     * Creates a bucket. With the filesystem backend a bucket is a folder of the data dir, which S3Proxy picks up at
     * the next request; this keeps the testkit free of an S3 client.
     */
    public void createBucket(String name) {
        try {
            Files.createDirectories(dataDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
