package io.etcdops.health.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/** One member's defragmentation: planned, done or failed, with sizes before/after and when it ran. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DefragStep(
        @JsonProperty("order") int order,
        @JsonProperty("member") String member,
        @JsonProperty("memberId") String memberId,
        @JsonProperty("leader") boolean leader,
        @JsonProperty("learner") boolean learner,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("dbSizeBefore") long dbSizeBefore,
        @JsonProperty("dbSizeInUseBefore") long dbSizeInUseBefore,
        @JsonProperty("dbSizeAfter") Long dbSizeAfter,
        @JsonProperty("reclaimedBytes") Long reclaimedBytes,
        @JsonProperty("deadlineSeconds") long deadlineSeconds,
        @JsonProperty("startedAt") Instant startedAt,
        @JsonProperty("finishedAt") Instant finishedAt,
        @JsonProperty("error") String error) {
}
