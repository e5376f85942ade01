package io.etcdops.health;

import io.etcdops.core.runtime.Json;
import tools.jackson.core.type.TypeReference;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdClusterSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs health-checker in-process against a testkit cluster and reads its JSON summary line. */
final class HealthCheckerHarness {

    record Result(int exitCode, String stdout, String stderr, Map<String, Object> json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> cluster() {
            return (Map<String, Object>) json.get("cluster");
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> members() {
            return (List<Map<String, Object>>) json.get("members");
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> findings() {
            return (List<Map<String, Object>>) json.get("findings");
        }

        List<Map<String, Object>> problems() {
            return findings().stream().filter(f -> !"ok".equals(f.get("severity"))).toList();
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> actions() {
            return (List<Map<String, Object>>) json.getOrDefault("actions", List.of());
        }

        Map<String, Object> member(String name) {
            return members().stream().filter(m -> name.equals(m.get("name"))).findFirst().orElseThrow();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private HealthCheckerHarness() {
    }

    /** The spec each IT uses per version: 3.4 plain, 3.5 with TLS (client certs) and auth, so both paths are exercised. */
    static EtcdClusterSpec spec(String version) {
        EtcdClusterSpec s = EtcdClusterSpec.of(version, 3);
        return version.equals(EtcdBinaries.V3_6) ? s.withTls().withAuth() : s;
    }

    /** Connection flags for the cluster (TLS material, root user), short timeouts and a 1 s metrics window. */
    static List<String> connection(EtcdCluster c) {
        List<String> a = new ArrayList<>(List.of("--endpoints", c.endpoints(), "--dial-timeout", "2s", "--command-timeout", "3s",
                "--metrics-window", "1s"));
        if (c.spec().tls()) {
            a.addAll(List.of("--cacert", c.certificates().caFile().toString(), "--cert", c.clientCert().cert().toString(),
                    "--key", c.clientCert().key().toString()));
        }
        if (c.spec().auth()) {
            a.addAll(List.of("--user", "root:" + EtcdCluster.ROOT_PASSWORD));
        }
        return a;
    }

    static Result run(EtcdCluster c, String... extra) {
        List<String> args = connection(c);
        args.addAll(List.of(extra));
        return run(args);
    }

    static Result run(List<String> args) {
        return run(new HealthChecker(), args);
    }

    /** Runs a given command (e.g. one built with the Kubernetes simulation's client and resolver). */
    static Result run(HealthChecker command, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code;
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        try {
            // the job prints its table and JSON line to System.out, logback logs to System.err
            System.setOut(o);
            System.setErr(e);
            code = JobRunner.run(command, args.toArray(String[]::new), o, e);
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
        }
        String stdout = out.toString(StandardCharsets.UTF_8);
        String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
        try {
            Map<String, Object> json = Json.mapper().readValue(last, new TypeReference<Map<String, Object>>() { });
            Result r = new Result(code, stdout, err.toString(StandardCharsets.UTF_8), json);
            System.out.println(r);
            return r;
        } catch (RuntimeException ex) {
            throw new IllegalStateException("no JSON summary line in: " + stdout, ex);
        }
    }
}
