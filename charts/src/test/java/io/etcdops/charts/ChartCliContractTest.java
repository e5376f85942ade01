package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chart and CLI cannot drift: every option and environment variable the chart gives an etcd-ops container must be
 * named in that job's real --help (the module's main class in a child JVM, the subcommand the args select). Runs
 * health-checker's help as it is at test time, whatever options it has grown.
 */
class ChartCliContractTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.etcdops.charts.Project#valuesFiles")
    void everyRenderedFlagAndVariableExistsInTheJobsHelp(Path values) {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (CronJob c : Helm.HELM3.render(List.of(values), Map.of()).all(CronJob.class)) {
            for (Container k : Rendered.pod(c).getContainers()) {
                String image = JobCli.imageName(k.getImage());
                assertThat(image).as(c.getMetadata().getName() + " runs an etcd-ops image").isNotNull();
                List<String> args = k.getArgs() == null ? List.of() : k.getArgs();
                problems.addAll(JobCli.unknownTo(image, args, Rendered.envNames(k)).stream()
                        .map(p -> c.getMetadata().getName() + ": " + p).toList());
                checked += args.size() + k.getEnv().size();
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThan(20);
    }

    /** The variables health.statefulSetTarget adds (core's StatefulSetTargetOptions) exist in health-checker's --help. */
    @Test
    void healthStatefulSetTargetVariablesExistInHealthCheckersHelp() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("everything-on")), Map.of("health.statefulSetTarget", "true",
                "target.endpoints", "https://10.0.0.1:2379", "health.discoveryOverrides.ETCD_OPS_ETCD_CONTAINER", "etcd"));
        Container health = Rendered.main(r.cronJob("health"));
        List<String> without = Rendered.envNames(Rendered.main(Helm.HELM3.render(List.of(Project.valuesFile("everything-on")),
                Map.of("health.statefulSetTarget", "false")).cronJob("health")));
        List<String> added = Rendered.envNames(health).stream().filter(e -> !without.contains(e)).toList();
        assertThat(added).containsExactly("ETCD_OPS_STATEFULSET", "ETCD_OPS_NAMESPACE", "ETCD_OPS_SERVICE", "ETCD_OPS_CLUSTER_DOMAIN",
                "ETCD_OPS_TARGET_ENDPOINTS", "ETCD_OPS_ETCD_CONTAINER");
        assertThat(JobCli.unknownTo("health-checker", List.of(), Rendered.envNames(health))).isEmpty();
    }

    @Test
    void theCheckCatchesAFlagOrVariableTheCliDoesNotHave() {
        assertThat(JobCli.unknownTo("backup-job", List.of("--retention-days", "3"), List.of("ETCD_OPS_STORE", "ETCD_OPS_BUCKET")))
                .containsExactly("backup-job: option --retention-days is not in its --help",
                        "backup-job: env ETCD_OPS_BUCKET is not in its --help");
        // drill's --work-dir reads ETCD_OPS_SPOOL_DIR but its help does not say so: the chart passes the flag instead
        assertThat(JobCli.unknownTo("restore-job", List.of("drill", "--work-dir", "/w"), List.of("ETCD_OPS_STORE"))).isEmpty();
        assertThat(JobCli.unknownTo("restore-job", List.of("fetch"), List.of("ETCD_BIN_DIR"))).hasSize(1);
    }

    @Test
    void imagesAreTheJibImagesOfTheJobModules() throws Exception {
        // the chart's image names are the module names Jib builds (<registry>/${project.artifactId}:${project.version})
        String rootPom = Files.readString(Project.root().resolve("pom.xml"));
        assertThat(rootPom).contains("<to><image>${etcdops.image.registry}/${project.artifactId}:${etcdops.image.tag}</image></to>",
                "<etcdops.image.registry>ghcr.io/etcd-ops</etcdops.image.registry>", "<etcdops.image.tag>${project.version}</etcdops.image.tag>");
        for (String module : JobCli.IMAGES) {
            assertThat(Files.readString(Project.root().resolve(module).resolve("pom.xml")))
                    .as(module + " builds an image").contains("<artifactId>jib-maven-plugin</artifactId>")
                    .contains("<artifactId>" + module + "</artifactId>");
        }
        String chart = Files.readString(Project.chart().resolve("Chart.yaml"));
        assertThat(chart).as("appVersion is the images' tag").contains("appVersion: \"" + Project.version() + "\"");
        Rendered r = Helm.HELM3.render("everything-on");
        assertThat(r.all(CronJob.class)).allSatisfy(c -> assertThat(Rendered.main(c).getImage())
                .matches("ghcr\\.io/etcd-ops/(backup-job|restore-job|member-replacer|upgrader|health-checker):" + java.util.regex.Pattern.quote(Project.version())));
    }
}
