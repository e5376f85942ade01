package io.etcdops.testkit.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A server run as a child process on 127.0.0.1 (S3Proxy, Azurite): started, waited for until its port accepts
 * connections, stopped, and always killed when the JVM exits, so no test run leaves servers behind.
 */
final class LocalServerProcess {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final List<String> command;
    private final int port;
    private final Path log;
    private Process process;

    /**
     * @param workDir the server's own temp folder (data, log): deleted when the JVM exits
     */
    LocalServerProcess(String name, List<String> command, int port, Path workDir) {
        this.name = name;
        this.command = List.copyOf(command);
        this.port = port;
        this.log = workDir.resolve(name + ".log");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop();
            deleteRecursively(workDir);
        }, name + "-shutdown"));
    }

    /** Starts the process (again, after {@link #stop()}) and returns once the port answers. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
        awaitPort();
    }

    /** Kills the process and its children and waits for the port to be released. */
    synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    int port() {
        return port;
    }

    private void awaitPort() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " at start: " + logTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        stop();
        throw new IllegalStateException(name + " did not open port " + port + " within " + START_TIMEOUT + ": " + logTail());
    }

    private String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        io.etcdops.testkit.Folders.deleteQuietly(dir);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
