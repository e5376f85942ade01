package io.etcdops.health.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/** What the store says about the newest committed backup (a snapshot with its manifest), or why it could not say. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupAge(
        @JsonProperty("store") String store,
        @JsonProperty("cluster") String cluster,
        @JsonProperty("newest") String newest,
        @JsonProperty("newestTime") Instant newestTime,
        @JsonProperty("ageSeconds") Long ageSeconds,
        @JsonProperty("committedSnapshots") int committedSnapshots,
        @JsonProperty("error") String error) {
}
