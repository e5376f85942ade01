package io.etcdops.testkit.kube;

import io.etcdops.testkit.etcd.EtcdProcesses;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One running container: a real OS process (etcd, a child JVM) or a thread (in-process image). Output is appended to
 * the container's log file. Stopping is what the kubelet does on pod deletion: SIGTERM, the grace period, SIGKILL.
 */
final class ContainerProcess {
    private final Process process;
    private final Thread thread;
    private final CompletableFuture<Integer> threadExit;

    private ContainerProcess(Process process, Thread thread, CompletableFuture<Integer> threadExit) {
        this.process = process;
        this.thread = thread;
        this.threadExit = threadExit;
    }

    /**
     * Starts {@code program}. etcd processes run in a private mount namespace with the simulation's hosts file bound
     * over {@code /etc/hosts}, so etcd resolves per-pod DNS names itself ({@code unshareCommand} is
     * {@code [unshare, -m]} or {@code [unshare, -rm]}, whichever works on this machine).
     */
    static ContainerProcess start(ContainerImages.Program program, Map<String, String> env, Path workDir, Path log,
                                  Path hostsFile, List<String> unshareCommand, Path kubeconfig) {
        try {
            Files.createDirectories(workDir);
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (program instanceof ContainerImages.InProcess ip) {
            return startThread(ip, env, log);
        }
        List<String> argv = new ArrayList<>();
        if (program instanceof ContainerImages.EtcdExec etcd) {
            argv.addAll(unshareCommand);
            argv.addAll(List.of("sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hostsFile.toString()));
            argv.addAll(etcd.argv());
        } else if (program instanceof ContainerImages.JvmMain jvm) {
            argv.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-XX:TieredStopAtLevel=1", "-Djdk.net.hosts.file=" + hostsFile, "-Dsun.net.inetaddr.ttl=0",
                    "-Dsun.net.inetaddr.negative.ttl=0"));
            argv.addAll(jvm.jvmOptions());
            if (kubeconfig == null) {
                // a pod has no kubeconfig: fabric8 must not pick up one of the machine's (~/.kube/config)
                argv.add("-Dkubernetes.auth.tryKubeConfig=false");
            }
            argv.addAll(List.of("-cp", System.getProperty("java.class.path"), jvm.mainClass()));
            argv.addAll(jvm.args());
        }
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (program instanceof ContainerImages.JvmMain && kubeconfig != null) {
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
        }
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            EtcdProcesses.register(p);
            return new ContainerProcess(p, null, null);
        } catch (IOException e) {
            throw new UnsupportedContainerException("cannot start " + argv.get(0) + ": " + e.getMessage());
        }
    }

    private static ContainerProcess startThread(ContainerImages.InProcess ip, Map<String, String> env, Path log) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (PrintStream out = new PrintStream(Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                    true, StandardCharsets.UTF_8)) {
                try {
                    exit.complete(ip.main().run(ip.args(), Map.copyOf(env)));
                } catch (InterruptedException e) {
                    out.println("interrupted");
                    exit.complete(143);
                } catch (Exception e) {
                    e.printStackTrace(out);
                    exit.complete(1);
                }
            } catch (IOException e) {
                exit.complete(1);
            }
        }, "kube-sim-container");
        t.setDaemon(true);
        t.start();
        return new ContainerProcess(null, t, exit);
    }

    boolean alive() {
        return process != null ? process.isAlive() : !threadExit.isDone();
    }

    OptionalInt exitCode() {
        if (alive()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(process != null ? process.exitValue() : threadExit.join());
    }

    long pid() {
        return process != null ? process.pid() : -1;
    }

    /** SIGTERM (interrupt for a thread), then SIGKILL after {@code grace}; returns when it is gone. */
    void stop(Duration grace) {
        try {
            if (process != null) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } else {
                thread.interrupt();
                thread.join(Math.max(1, grace.toMillis()));
                if (!threadExit.isDone()) {
                    threadExit.complete(137);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }
}
