package io.etcdops.health.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The etcd-mixin signals of one member, computed from its {@code /metrics}. Latencies are p99 in seconds, null when
 * the member made no observation in the window. {@code window} says what the numbers cover: "10s" (the difference
 * of two scrapes, like PromQL's rate()) or "since-start" (cumulative counts since the process started, used when the
 * window saw no observations or --metrics-window is 0).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemberSignals(
        @JsonProperty("url") String url,
        @JsonProperty("error") String error,
        @JsonProperty("window") String window,
        @JsonProperty("walFsyncP99Seconds") Double walFsyncP99,
        @JsonProperty("backendCommitP99Seconds") Double backendCommitP99,
        @JsonProperty("peerRoundTripP99Seconds") Double peerRttP99,
        @JsonProperty("peerRoundTripWorstPeer") String peerRttWorstPeer,
        @JsonProperty("leaderChangesInWindow") Long leaderChangesInWindow,
        @JsonProperty("leaderChangesSinceStart") Long leaderChangesSinceStart,
        @JsonProperty("uptimeSeconds") Long uptimeSeconds,
        @JsonProperty("quotaBackendBytes") Long quotaBackendBytes) {

    public static MemberSignals unavailable(String url, String error) {
        return new MemberSignals(url, error, null, null, null, null, null, null, null, null, null);
    }

    public boolean available() {
        return error == null;
    }
}
