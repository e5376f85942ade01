package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** helm lint + helm template with Helm 3 and Helm 4 over every examples/values file; the output parsed and checked. */
class ChartRenderTest {

    static Stream<Arguments> helmAndValues() {
        return Stream.of(Helm.values()).flatMap(h -> Project.valuesFiles().stream().map(f -> Arguments.of(h, f)));
    }

    @ParameterizedTest(name = "{0} lint + template {1}")
    @MethodSource("helmAndValues")
    void lintsRendersAndPassesTheModelChecks(Helm helm, Path values) {
        Helm.Result lint = helm.lint(List.of(values));
        assertThat(lint.exitCode()).as(lint.output()).isZero();
        assertThat(lint.output()).contains("1 chart(s) linted, 0 chart(s) failed");

        Rendered r = helm.render(List.of(values), Map.of());
        assertThat(r.all(CronJob.class)).as("every values file installs at least the backup CronJob").isNotEmpty();
        assertThat(ManifestChecks.problems(r)).as("what the API server would reject").isEmpty();
    }

    @ParameterizedTest(name = "Helm 3 and Helm 4 render {0} identically")
    @MethodSource("io.etcdops.charts.Project#valuesFiles")
    void helm3AndHelm4RenderTheSameObjects(Path values) {
        String h3 = Helm.HELM3.template(List.of(values), Map.of()).orFail().stdout();
        String h4 = Helm.HELM4.template(List.of(values), Map.of()).orFail().stdout();
        assertThat(h4).isEqualTo(h3);
    }

    @Test
    void aLongReleaseNameStillGivesValidCronJobNames() {
        Rendered r = Rendered.parse(Helm.HELM3.template("a-rather-long-release-name-for-the-production-cluster",
                List.of(Project.valuesFile("everything-on")), Map.of("fullnameOverride", "")).orFail().stdout());
        assertThat(r.all(CronJob.class)).hasSize(6)
                .allSatisfy(c -> assertThat(c.getMetadata().getName()).hasSizeLessThanOrEqualTo(52));
        assertThat(ManifestChecks.problems(r)).isEmpty();
    }

    @Test
    void theModelChecksCatchAnUnknownField() {
        // the checks must be able to fail: a misplaced field (securityContext under env) is reported
        String yaml = Helm.HELM3.template(List.of(Project.valuesFile("minimal")), Map.of()).orFail().stdout()
                .replaceFirst("(?m)^(\\s+)restartPolicy: Never", "$1restartPolicy: Never\n$1restartPolicyy: Always");
        assertThat(ManifestChecks.problems(Rendered.parse(yaml))).anySatisfy(p -> assertThat(p).contains("restartPolicyy"));
    }
}
