package io.etcdops.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.etcdops.health.backup.BackupAge;
import io.etcdops.health.hashkv.HashKvComparison;

import java.util.List;

/** The cluster-wide part of the report; {@code statefulSet} ({@code namespace/name}) and {@code replicas} only with --statefulset. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterHealth(
        @JsonProperty("clusterId") String clusterId,
        @JsonProperty("members") int members,
        @JsonProperty("voters") int voters,
        @JsonProperty("learners") int learners,
        @JsonProperty("reachable") int reachable,
        @JsonProperty("leader") String leader,
        @JsonProperty("hasLeader") boolean hasLeader,
        @JsonProperty("quorumSize") int quorumSize,
        @JsonProperty("healthyVoters") int healthyVoters,
        @JsonProperty("quorumMargin") int quorumMargin,
        @JsonProperty("versions") List<String> versions,
        @JsonProperty("uniformVersions") boolean uniformVersions,
        @JsonProperty("quotaBytes") long quotaBytes,
        @JsonProperty("quotaSource") String quotaSource,
        @JsonProperty("quotaUseRatio") Double quotaUseRatio,
        @JsonProperty("alarms") List<String> alarms,
        @JsonProperty("hashKv") HashKvComparison hashKv,
        @JsonProperty("backup") BackupAge backup,
        @JsonProperty("statefulSet") String statefulSet,
        @JsonProperty("replicas") Integer replicas) {
}
