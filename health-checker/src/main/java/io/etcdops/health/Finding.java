package io.etcdops.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One check's verdict: which check, about what (a member name or "cluster"), how bad, what was seen and the one
 * thing to do about it. {@code advice} is empty for OK findings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Finding(
        @JsonProperty("check") String check,
        @JsonProperty("subject") String subject,
        @JsonProperty("severity") Severity severity,
        @JsonProperty("message") String message,
        @JsonProperty("advice") String advice) {

    public static final String CLUSTER = "cluster";

    public static Finding ok(String check, String subject, String message) {
        return new Finding(check, subject, Severity.OK, message, null);
    }

    public static Finding warning(String check, String subject, String message, String advice) {
        return new Finding(check, subject, Severity.WARNING, message, advice);
    }

    public static Finding critical(String check, String subject, String message, String advice) {
        return new Finding(check, subject, Severity.CRITICAL, message, advice);
    }
}
