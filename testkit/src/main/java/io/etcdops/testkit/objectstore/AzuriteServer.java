package io.etcdops.testkit.objectstore;

import io.etcdops.testkit.TestCache;

import java.nio.file.Path;
import java.util.List;

/**
 * A real Azure Blob API for tests: Azurite's blob service (from the test cache, {@code npm install azurite@3.35.0})
 * as a child process on 127.0.0.1 with data in a temp folder. Telemetry is always disabled. The account is
 * Azurite's well-known development account.
 *
 * <p>One server per JVM ({@link #shared()}); tests isolate themselves with their own container names.
 */
public final class AzuriteServer {

    public static final String BIN = "azurite/node_modules/.bin/azurite-blob";
    public static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's published development key (not a secret). */
    public static final String ACCOUNT_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static AzuriteServer shared;

    private final LocalServerProcess process;

    private AzuriteServer() {
        Path bin = TestCache.require(BIN, "Azurite");
        Path workDir = LocalServerProcess.tempDir("etcd-ops-azurite");
        int port = LocalServerProcess.freePort();
        this.process = new LocalServerProcess("azurite", List.of(bin.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--location", workDir.resolve("data").toString(),
                "--disableTelemetry", "--skipApiVersionCheck", "--loose"), port, workDir);
    }

    /** The JVM-wide server, started on first use. */
    public static synchronized AzuriteServer shared() {
        if (shared == null) {
            shared = new AzuriteServer();
        }
        shared.process.start();
        return shared;
    }

    public void stop() {
        process.stop();
    }

    /** The blob endpoint including the account, e.g. {@code http://127.0.0.1:PORT/devstoreaccount1}. */
    public String endpoint() {
        return "http://127.0.0.1:" + process.port() + "/" + ACCOUNT;
    }

    public String accountName() {
        return ACCOUNT;
    }

    public String accountKey() {
        return ACCOUNT_KEY;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + ACCOUNT_KEY
                + ";BlobEndpoint=" + endpoint() + ";";
    }
}
