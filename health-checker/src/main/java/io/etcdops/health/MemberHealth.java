package io.etcdops.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.etcdops.health.metrics.MemberSignals;

import java.util.List;

/**
 * One member's row of the report. Sizes in bytes; {@code raftLag} is how many raft entries the member's index trails
 * the leader's (null without a leader), {@code applyLag} how many committed entries it has not applied yet. With a
 * {@code --statefulset} target, {@code pod} is the pod that runs the member (null for a member no pod backs) and
 * {@code podStatus} "Ready" or what is wrong with it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemberHealth(
        @JsonProperty("name") String name,
        @JsonProperty("id") String id,
        @JsonProperty("endpoint") String endpoint,
        @JsonProperty("reachable") boolean reachable,
        @JsonProperty("error") String error,
        @JsonProperty("version") String version,
        @JsonProperty("dbSize") Long dbSize,
        @JsonProperty("dbSizeInUse") Long dbSizeInUse,
        @JsonProperty("fragmentationRatio") Double inUseRatio,
        @JsonProperty("leader") boolean leader,
        @JsonProperty("learner") boolean learner,
        @JsonProperty("raftTerm") Long raftTerm,
        @JsonProperty("raftIndex") Long raftIndex,
        @JsonProperty("raftAppliedIndex") Long raftAppliedIndex,
        @JsonProperty("raftLag") Long raftLag,
        @JsonProperty("applyLag") Long applyLag,
        @JsonProperty("alarms") List<String> alarms,
        @JsonProperty("errors") List<String> errors,
        @JsonProperty("metrics") MemberSignals metrics,
        @JsonProperty("pod") String pod,
        @JsonProperty("podStatus") String podStatus) {
}
