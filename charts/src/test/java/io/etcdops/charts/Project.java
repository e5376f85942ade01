package io.etcdops.charts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where things are: the repository root, the chart, the examples, and the version the images are tagged with. */
final class Project {

    private Project() {
    }

    static Path root() {
        return Path.of(System.getProperty("etcdops.root", "..")).toAbsolutePath().normalize();
    }

    static Path chart() {
        return root().resolve("charts/etcd-ops");
    }

    static Path examples() {
        return root().resolve("examples");
    }

    /** The Maven project version: the images' tag and the chart's appVersion. */
    static String version() {
        String v = System.getProperty("etcdops.version");
        if (v == null) {
            throw new IllegalStateException("system property etcdops.version is not set (run the tests through Maven)");
        }
        return v;
    }

    /** examples/values/*.yaml, sorted: the values files every chart test renders. */
    static List<Path> valuesFiles() {
        try (Stream<Path> s = Files.list(examples().resolve("values"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Path valuesFile(String name) {
        return examples().resolve("values").resolve(name + ".yaml");
    }
}
