package io.etcdops.testkit.etcd;

import io.etcdops.testkit.TestCache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The etcd binaries of one version: {@code <cache>/etcd/<version>/{etcd,etcdctl,etcdutl}}, or the ones on PATH when
 * they report that version. Installs nothing; a missing version is a one-line error naming the install command.
 */
public record EtcdBinaries(String version, Path etcd, Path etcdctl, Optional<Path> etcdutl) {

    /** Debian bookworm's etcd; end-of-life: only to make and restore old 3.4 snapshots. */
    public static final String V3_4 = "3.4.23";
    /** A 3.5 below 3.5.32, the lowest patch etcd's upgrade guide allows before 3.6 (the refusal's boundary). */
    public static final String V3_5_OLD = "3.5.21";
    /** The newest 3.5 the Go module proxy serves at the pin. */
    public static final String V3_5 = "3.5.36";
    /** A 3.6 below 3.6.11, the lowest patch allowed before 3.7 (the refusal's boundary). */
    public static final String V3_6_OLD = "3.6.10";
    /** The default etcd everywhere (Kubernetes 1.34-1.36 ship 3.6). */
    public static final String V3_6 = "3.6.16";
    /** Kubernetes 1.37's minor. */
    public static final String V3_7 = "3.7.3";
    /** The version a test uses when it is not about versions. */
    public static final String DEFAULT = V3_6;

    public static EtcdBinaries of(String version) {
        Path dir = TestCache.root().resolve("etcd").resolve(version);
        if (Files.isExecutable(dir.resolve("etcd")) && Files.isExecutable(dir.resolve("etcdctl"))) {
            Path utl = dir.resolve("etcdutl");
            return new EtcdBinaries(version, dir.resolve("etcd"), dir.resolve("etcdctl"),
                    Files.isExecutable(utl) ? Optional.of(utl) : Optional.empty());
        }
        Optional<Path> onPath = onPath("etcd");
        if (onPath.isPresent() && version.equals(versionOf(onPath.get()))) {
            return new EtcdBinaries(version, onPath.get(), onPath("etcdctl").orElseThrow(), onPath("etcdutl"));
        }
        throw new IllegalStateException("etcd " + version + " not found in " + dir + " nor on PATH: " + TestCache.INSTALL_HINT);
    }

    public static boolean available(String version) {
        try {
            of(version);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public boolean is34() {
        return version.startsWith("3.4.");
    }

    /** The minor of a version string, e.g. {@code "3.6"} of {@code "3.6.16"}. */
    public static String minor(String version) {
        String[] p = version.split("\\.");
        return p[0] + "." + p[1];
    }

    /** True for 3.6 and later: no v2 store, etcdutl-only snapshot restore/status, storage versions, downgrade protocol. */
    public static boolean atLeast36(String version) {
        String[] p = version.split("\\.");
        return Integer.parseInt(p[0]) > 3 || Integer.parseInt(p[1]) >= 6;
    }

    /** The tool that restores snapshots for this version: etcdutl (3.5+) or etcdctl (3.4). */
    public Path restoreTool() {
        return etcdutl.orElse(etcdctl);
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static String versionOf(Path etcd) {
        try {
            Process p = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            for (String line : out.split("\n")) {
                if (line.startsWith("etcd Version:")) {
                    return line.substring("etcd Version:".length()).trim();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
