package io.etcdops.core.kube;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where this process runs: in a Kubernetes pod (the API server's service env and a mounted ServiceAccount token) or
 * not (a VM, a laptop, CI), and who it is, for the Lease holder and Events. Built from an env lookup and the
 * ServiceAccount folder so tests pass a plain map and a temp folder.
 */
public final class KubernetesEnvironment {
    public static final Path SERVICE_ACCOUNT_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    /** fabric8's system property for the token file; where it is set, the ServiceAccount folder is its parent. */
    static final String TOKEN_FILE_PROPERTY = "kubernetes.auth.serviceAccount.token";

    private final Function<String, String> env;
    private final Path serviceAccountDir;

    public KubernetesEnvironment(Function<String, String> env, Path serviceAccountDir) {
        this.env = env;
        this.serviceAccountDir = serviceAccountDir;
    }

    /** The real environment of this process. */
    public static KubernetesEnvironment current() {
        return new KubernetesEnvironment(System::getenv, serviceAccountDir(System.getProperty(TOKEN_FILE_PROPERTY)));
    }

    /**
     * The folder of the mounted ServiceAccount: the standard path, or the parent of the token file fabric8 was told to
     * read (the same file the client then authenticates with, so both always agree).
     */
    static Path serviceAccountDir(String tokenFileProperty) {
        if (tokenFileProperty == null || tokenFileProperty.isBlank()) {
            return SERVICE_ACCOUNT_DIR;
        }
        Path parent = Path.of(tokenFileProperty).toAbsolutePath().getParent();
        return parent == null ? SERVICE_ACCOUNT_DIR : parent;
    }

    /** In a pod: {@code KUBERNETES_SERVICE_HOST} is set and a ServiceAccount token is mounted. */
    public boolean inCluster() {
        String host = env.apply("KUBERNETES_SERVICE_HOST");
        return host != null && !host.isBlank() && Files.isRegularFile(serviceAccountDir.resolve("token"));
    }

    /** The pod's namespace, from the mounted ServiceAccount (in cluster only). */
    public Optional<String> podNamespace() {
        if (!inCluster()) {
            return Optional.empty();
        }
        try {
            String ns = Files.readString(serviceAccountDir.resolve("namespace"), StandardCharsets.UTF_8).strip();
            return ns.isEmpty() ? Optional.empty() : Optional.of(ns);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Who this run is, unique per running process: the pod name ({@code POD_NAME} from the downward API, else the
     * pod's {@code HOSTNAME}) in a cluster — a Job's retry is a new pod, so a new holder — and
     * {@code <host>/<pid>} elsewhere.
     */
    public String identity() {
        String pod = blankToNull(env.apply("POD_NAME"));
        if (pod != null) {
            return pod;
        }
        String hostname = blankToNull(env.apply("HOSTNAME"));
        if (inCluster() && hostname != null) {
            return hostname;
        }
        if (hostname == null) {
            try {
                hostname = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                hostname = "unknown-host";
            }
        }
        return hostname + "/" + ProcessHandle.current().pid();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
