package io.etcdops.health.metrics;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsTargetsTest {
    private final MemberInfo a = new MemberInfo(1, "a", List.of(), List.of(URI.create("https://10.0.0.1:2379")), false);
    private final MemberInfo b = new MemberInfo(2, "b", List.of(), List.of(URI.create("https://10.0.0.2:2379")), false);
    private final MemberInfo unstarted = new MemberInfo(3, "", List.of(), List.of(), true);

    @Test
    void defaultIsTheClientUrlPlusMetrics() {
        assertThat(MetricsTargets.resolve(List.of(a, b, unstarted), List.of(), m -> m.clientUrls().get(0)))
                .containsEntry(1L, URI.create("https://10.0.0.1:2379/metrics"))
                .containsEntry(2L, URI.create("https://10.0.0.2:2379/metrics"))
                .doesNotContainKey(3L);
    }

    @Test
    void explicitUrlsByNameOrByHost() {
        var targets = MetricsTargets.resolve(List.of(a, b), MetricsTargets.parse("b=http://10.0.0.2:2381, http://10.0.0.1:2381/metrics"),
                m -> m.clientUrls().get(0));
        assertThat(targets).containsEntry(1L, URI.create("http://10.0.0.1:2381/metrics"))
                .containsEntry(2L, URI.create("http://10.0.0.2:2381/metrics"));
    }

    @Test
    void ambiguousOrUnknownEntriesAreUsageErrors() {
        MemberInfo sameHost = new MemberInfo(4, "c", List.of(), List.of(URI.create("https://10.0.0.1:22379")), false);
        assertThatThrownBy(() -> MetricsTargets.resolve(List.of(a, sameHost), List.of("http://10.0.0.1:2381"), m -> m.clientUrls().get(0)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("NAME=URL");
        assertThatThrownBy(() -> MetricsTargets.resolve(List.of(a), List.of("zz=http://10.0.0.9:2381"), m -> m.clientUrls().get(0)))
                .hasMessageContaining("no member named 'zz'");
    }
}
