package io.etcdops.testkit.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** How etcd processes get a private mount namespace, for the simulation's hosts file as their {@code /etc/hosts}. */
final class MountNamespaces {
    private MountNamespaces() {
    }

    /**
     * How to give etcd a private mount namespace (for the hosts file): {@code unshare -m} as root, {@code unshare -rm}
     * with user namespaces. Neither working is an explicit error on the pod: without it etcd could not resolve pod DNS
     * names.
     */
    static List<String> probeUnshare(Path root) {
        Path probe = root.resolve("hosts-probe");
        try {
            Files.writeString(probe, "127.0.0.1 localhost\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> tried = new ArrayList<>();
        for (List<String> cmd : List.of(List.of("unshare", "-m"), List.of("unshare", "-rm"))) {
            List<String> argv = new ArrayList<>(cmd);
            argv.addAll(List.of("sh", "-c", "mount --bind \"$0\" /etc/hosts && exec true", probe.toString()));
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return cmd;
                }
                tried.add(String.join(" ", cmd) + ": " + out);
            } catch (IOException e) {
                tried.add(String.join(" ", cmd) + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new UnsupportedContainerException("the Kubernetes simulation needs a private mount namespace per etcd process "
                + "(to give it the pod DNS names as /etc/hosts); neither worked: " + tried
                + ". Run as root, or enable unprivileged user namespaces (util-linux unshare).");
    }
}
