package io.etcdops.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where scripts/install-test-deps.sh put the real components the tests run: {@code $ETCD_OPS_CACHE}, default
 * {@code ~/.cache/etcd-ops}. The testkit installs nothing itself; a missing component is a one-line error naming the
 * install command.
 */
public final class TestCache {

    public static final String INSTALL_HINT = "run ./scripts/install-test-deps.sh (as root) first";

    private TestCache() {
    }

    public static Path root() {
        String env = System.getenv("ETCD_OPS_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "etcd-ops");
    }

    /** A file under the cache that must exist, or an {@link IllegalStateException} naming the install command. */
    public static Path require(String relative, String what) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException(what + " not found at " + p + ": " + INSTALL_HINT);
        }
        return p;
    }
}
