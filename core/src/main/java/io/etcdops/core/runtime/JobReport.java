package io.etcdops.core.runtime;

import tools.jackson.core.JacksonException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The summary every run ends with: one JSON line on stdout and, with --output-dir, one file per top-level value
 * (strings as-is, other values as JSON) so Argo can read them with {@code outputs.parameters[].valueFrom.path}.
 * Always carries {@code job}, {@code status} ("succeeded", "failed", "refused", "verification-failed", "dry-run"),
 * {@code exit-code} and, on failure, {@code error}.
 */
public final class JobReport {
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Instant started = Instant.now();

    public JobReport(String job) {
        values.put("job", job);
        values.put("status", "running");
    }

    public JobReport put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Object get(String key) {
        return values.get(key);
    }

    public Map<String, Object> values() {
        return values;
    }

    public Instant started() {
        return started;
    }

    /** Sets status/exit-code/duration, prints the JSON line and writes the output files. */
    public void finish(ExitCode code, String error, Path outputDir, PrintStream stdout) {
        if ("running".equals(values.get("status"))) {
            values.put("status", statusFor(code));
        }
        values.put("exit-code", code.code());
        if (error != null) {
            values.put("error", error);
        }
        values.putIfAbsent("duration-seconds", Math.round((Instant.now().toEpochMilli() - started.toEpochMilli()) / 10.0) / 100.0);
        try {
            stdout.println(Json.mapper().writeValueAsString(values));
            stdout.flush();
        } catch (JacksonException e) {
            stdout.println("{\"status\":\"failed\",\"error\":\"report serialization failed\"}");
        }
        if (outputDir != null) {
            writeFiles(outputDir);
        }
    }

    private static String statusFor(ExitCode code) {
        return switch (code) {
            case OK -> "succeeded";
            case FAILED -> "failed";
            case USAGE -> "usage-error";
            case REFUSED -> "refused";
            case VERIFICATION_FAILED -> "verification-failed";
        };
    }

    private void writeFiles(Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, Object> e : values.entrySet()) {
                Object v = e.getValue();
                String text = v == null ? "" : v instanceof CharSequence || v instanceof Number || v instanceof Boolean
                        ? String.valueOf(v) : Json.mapper().writeValueAsString(v);
                Path tmp = dir.resolve("." + e.getKey() + ".tmp");
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, dir.resolve(e.getKey()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.writeString(dir.resolve("report.json"), Json.mapper().writeValueAsString(values), StandardCharsets.UTF_8);
        } catch (IOException | JacksonException e) {
            System.err.println("could not write --output-dir " + dir + ": " + e.getMessage());
        }
    }
}
