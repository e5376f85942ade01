package io.etcdops.health.kube;

import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.health.Finding;
import io.etcdops.health.Severity;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which etcd options of the pod template 3.6 / 3.7 no longer take (facts measured on etcd 3.6.16 and 3.7.3). */
class EtcdFlagFindingsTest {

    private static StatefulSetTarget target(List<String> extraArgs, List<EnvVar> extraEnv) {
        StatefulSet sts = EtcdStatefulSets.flagStyle().version("3.6.16").statefulSet();
        var c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> args = new ArrayList<>(c.getArgs() == null ? List.of() : c.getArgs());
        args.addAll(extraArgs);
        c.setArgs(args);
        List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
        env.addAll(extraEnv);
        c.setEnv(env);
        return StatefulSetTarget.from(sts, TargetOverrides.none());
    }

    @Test
    void theDocsStatefulSetHasNone() {
        assertThat(EtcdFlagFindings.findings(target(List.of(), List.of()), Optional.of(6))).isEmpty();
    }

    @Test
    void experimentalFlagsWarnOn36AndAreCriticalOn37() {
        StatefulSetTarget t = target(List.of("--experimental-compact-hash-check-enabled=true"), List.of());
        assertThat(EtcdFlagFindings.findings(t, Optional.of(6))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("--experimental-compact-hash-check-enabled").contains("removed in 3.7");
        });
        assertThat(EtcdFlagFindings.findings(t, Optional.of(7))).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.CRITICAL));
    }

    @Test
    void v2OptionsAreCriticalFrom36() {
        StatefulSetTarget t = target(List.of("--enable-v2=true"), List.of(new EnvVar("ETCD_PROXY", "on", null)));
        List<Finding> on36 = EtcdFlagFindings.findings(t, Optional.of(6));
        assertThat(on36).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.message()).contains("--enable-v2").contains("ETCD_PROXY");
        });
        assertThat(EtcdFlagFindings.findings(t, Optional.of(5))).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
    }

    @Test
    void experimentalEnvIsSilentlyIgnoredBy37() {
        StatefulSetTarget t = target(List.of(), List.of(new EnvVar("ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK", "true", null)));
        assertThat(EtcdFlagFindings.findings(t, Optional.of(7))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.message()).contains("ignores them");
        });
    }
}
