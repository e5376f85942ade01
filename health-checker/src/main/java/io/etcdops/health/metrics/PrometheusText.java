package io.etcdops.health.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for the Prometheus text exposition format (version 0.0.4) as etcd's {@code /metrics} serves it: samples
 * with optional labels and an optional timestamp; comments and blank lines are skipped. Malformed lines are skipped
 * too (one odd line must not hide every other signal).
 */
public final class PrometheusText {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.get(key);
        }
    }

    private PrometheusText() {
    }

    public static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Sample s = parseLine(line);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    static Sample parseLine(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && line.charAt(i) != '{' && !Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty()) {
            return null;
        }
        Map<String, String> labels = Collections.emptyMap();
        if (i < n && line.charAt(i) == '{') {
            labels = new LinkedHashMap<>();
            i = parseLabels(line, i + 1, labels);
            if (i < 0) {
                return null;
            }
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            return null;
        }
        Double value = parseValue(rest[0]);
        return value == null ? null : new Sample(name, labels, value);
    }

    /** Parses {@code k="v",...}} starting after the '{'; returns the index after '}' or -1 if malformed. */
    private static int parseLabels(String line, int start, Map<String, String> labels) {
        int i = start;
        int n = line.length();
        while (i < n) {
            while (i < n && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                i++;
            }
            if (i < n && line.charAt(i) == '}') {
                return i + 1;
            }
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= n || line.charAt(eq + 1) != '"') {
                return -1;
            }
            String key = line.substring(i, eq).strip();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            boolean closed = false;
            while (j < n) {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < n) {
                    char e = line.charAt(j + 1);
                    value.append(e == 'n' ? '\n' : e);
                    j += 2;
                } else if (c == '"') {
                    closed = true;
                    j++;
                    break;
                } else {
                    value.append(c);
                    j++;
                }
            }
            if (!closed) {
                return -1;
            }
            labels.put(key, value.toString());
            i = j;
        }
        return -1;
    }

    static Double parseValue(String s) {
        switch (s) {
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    return null;
                }
        }
    }
}
