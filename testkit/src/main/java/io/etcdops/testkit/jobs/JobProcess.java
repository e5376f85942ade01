package io.etcdops.testkit.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an etcd-ops job the way users do — its main class in a fresh JVM with real argv and environment — using the
 * test's classpath. Captures exit code, stdout (the JSON report) and stderr (logs).
 */
public final class JobProcess {

    public record Result(int exitCode, String stdout, String stderr) {
        /** The last stdout line: the job's JSON report. */
        public String reportLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    private final String mainClass;
    private final Map<String, String> env = new HashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private long timeoutSeconds = 300;

    private JobProcess(String mainClass) {
        this.mainClass = mainClass;
    }

    public static JobProcess of(String mainClass) {
        return new JobProcess(mainClass);
    }

    public JobProcess env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /** Extra JVM options, e.g. the Kubernetes simulation's hosts file ({@code KubeSimulation.jvmOptions()}). */
    public JobProcess jvmArgs(List<String> args) {
        jvmArgs.addAll(args);
        return this;
    }

    public JobProcess timeoutSeconds(long s) {
        this.timeoutSeconds = s;
        return this;
    }

    public Result run(String... args) {
        return start(args).await();
    }

    /** Starts the job and returns at once (for tests that act while it runs). */
    public Running start(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_OPS_") || k.startsWith("AWS_")
                || k.startsWith("AZURE_"));
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            io.etcdops.testkit.etcd.EtcdProcesses.register(p);
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            return new Running(p, out, err, timeoutSeconds);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A job that is still running. */
    public record Running(Process process, CompletableFuture<String> out, CompletableFuture<String> err, long timeoutSeconds) {
        public Result await() {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("job did not finish within " + timeoutSeconds + "s; stderr so far: "
                            + err.getNow(""));
                }
                return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
