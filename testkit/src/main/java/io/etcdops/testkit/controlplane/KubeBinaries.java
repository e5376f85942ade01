package io.etcdops.testkit.controlplane;

import io.etcdops.testkit.TestCache;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Kubernetes control plane built by {@code scripts/build-kube.sh}: one multi-call binary
 * {@code <cache>/kube/<version>/kube} (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl). Installs
 * nothing; a missing build is a one-line error naming the install command.
 */
public record KubeBinaries(String version, Path kube) {

    /** Kubernetes 1.36 runs etcd 3.6, the default etcd here. */
    public static final String DEFAULT = "1.36.3";

    public static KubeBinaries of(String version) {
        Path kube = TestCache.root().resolve("kube").resolve(version).resolve("kube");
        if (!Files.isExecutable(kube)) {
            throw new IllegalStateException("Kubernetes " + version + " not found at " + kube + ": " + TestCache.INSTALL_HINT
                    + " (or ./scripts/build-kube.sh " + version + ")");
        }
        return new KubeBinaries(version, kube);
    }

    /** The command line of one component: {@code kube <component>}. */
    public java.util.List<String> command(String component) {
        return java.util.List.of(kube.toString(), component);
    }
}
