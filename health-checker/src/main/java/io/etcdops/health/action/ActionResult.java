package io.etcdops.health.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * What an action did. {@code outcome}: "done", "nothing-to-do", "dry-run" (the plan is in {@code steps}),
 * "refused" (a safety rule stopped it before or between steps; nothing unsafe was done) or "failed".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ActionResult(
        @JsonProperty("action") String action,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("reason") String reason,
        @JsonProperty("compactedToRevision") Long compactedToRevision,
        @JsonProperty("steps") List<DefragStep> steps,
        @JsonProperty("reclaimedBytes") long reclaimedBytes,
        @JsonProperty("disarmed") List<String> disarmed,
        @JsonProperty("alarmsAfter") List<String> alarmsAfter) {

    public static final String DONE = "done";
    public static final String NOTHING = "nothing-to-do";
    public static final String DRY_RUN = "dry-run";
    public static final String REFUSED = "refused";
    public static final String FAILED = "failed";

    static ActionResult of(String action, String outcome, String reason, List<DefragStep> steps) {
        long reclaimed = steps.stream().mapToLong(s -> s.reclaimedBytes() == null ? 0 : s.reclaimedBytes()).sum();
        return new ActionResult(action, outcome, reason, null, List.copyOf(steps), reclaimed, null, null);
    }

    ActionResult withNospace(Long compactedTo, List<String> disarmedAlarms, List<String> after) {
        return new ActionResult(action, outcome, reason, compactedTo, steps, reclaimedBytes, disarmedAlarms, after);
    }

    ActionResult as(String newAction, String newOutcome, String newReason) {
        return new ActionResult(newAction, newOutcome, newReason, compactedToRevision, steps, reclaimedBytes, disarmed, alarmsAfter);
    }
}
