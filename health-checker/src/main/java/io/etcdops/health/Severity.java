package io.etcdops.health;

/** How bad a finding is. Order matters: a report's overall status is its worst finding. */
public enum Severity {
    OK, WARNING, CRITICAL;

    @com.fasterxml.jackson.annotation.JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Severity worst(Severity a, Severity b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
