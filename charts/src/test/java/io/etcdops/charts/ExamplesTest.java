package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Argo WorkflowTemplates and the pipeline snippet, checked without running them (Argo and a cluster cannot run
 * here): they parse, and every image, entrypoint, option, environment variable, volume, step output and CronJob they
 * reference exists. ExamplesOutputFilesIT runs the same job command lines against a real etcd for the output files.
 */
class ExamplesTest {

    private static final Pattern JVM_FLAG = Pattern.compile("<jvmFlag>([^<]+)</jvmFlag>");
    private static final Pattern STEP_OUTPUT = Pattern.compile("\\{\\{steps\\.([\\w-]+)\\.outputs\\.parameters\\.([\\w-]+)}}");

    /** The entrypoint Jib gives an image: java, the root pom's jvmFlags, the classpath file, the module's main class. */
    static List<String> jibEntrypoint(String image) throws Exception {
        String pom = Files.readString(Project.root().resolve("pom.xml"));
        List<String> cmd = new ArrayList<>(List.of("java"));
        Matcher m = JVM_FLAG.matcher(pom);
        while (m.find()) {
            cmd.add(m.group(1));
        }
        cmd.addAll(List.of("-cp", "@/app/jib-classpath-file", JobCli.mainClass(image)));
        return cmd;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.etcdops.charts.ArgoTemplates#files")
    @SuppressWarnings("unchecked")
    void argoTemplatesReferenceOnlyWhatExists(Path file) throws Exception {
        GenericKubernetesResource wt = ArgoTemplates.load(file);
        assertThat(wt.getApiVersion()).isEqualTo("argoproj.io/v1alpha1");
        assertThat(wt.getKind()).isEqualTo("WorkflowTemplate");
        assertThat(ArgoTemplates.parameter(wt, "image-tag")).as("the images' tag is the project version").isEqualTo(Project.version());
        Map<String, Object> spec = ArgoTemplates.spec(wt);
        Set<String> volumes = new HashSet<>();
        ((List<Map<String, Object>>) spec.getOrDefault("volumes", List.of())).forEach(v -> volumes.add((String) v.get("name")));

        List<String> problems = new ArrayList<>();
        Map<String, ArgoTemplates.Step> byTemplate = new java.util.HashMap<>();
        for (ArgoTemplates.Step s : ArgoTemplates.steps(file)) {
            byTemplate.put(s.template(), s);
            String image = JobCli.imageName(s.image().replace("{{workflow.parameters.image-tag}}", Project.version()));
            assertThat(s.image()).as(s.id()).isEqualTo("ghcr.io/etcd-ops/" + image + ":{{workflow.parameters.image-tag}}");
            assertThat(s.command()).as(s.id() + ": command is the image's Jib entrypoint").isEqualTo(jibEntrypoint(image));
            problems.addAll(JobCli.unknownTo(image, s.args(), s.envNames()).stream().map(p -> s.id() + ": " + p).toList());
            assertThat(s.args()).as(s.id()).contains("--output-dir=" + ArgoTemplates.OUTPUT_DIR);
            Set<String> all = new HashSet<>(volumes);
            Map<String, Object> tmpl = ArgoTemplates.templates(wt).stream().filter(t -> s.template().equals(t.get("name"))).findFirst().orElseThrow();
            ((List<Map<String, Object>>) tmpl.getOrDefault("volumes", List.of())).forEach(v -> all.add((String) v.get("name")));
            List<Map<String, Object>> mounts = new ArrayList<>(s.volumeMounts());
            ((List<Map<String, Object>>) tmpl.getOrDefault("initContainers", List.of()))
                    .forEach(i -> mounts.addAll((List<Map<String, Object>>) i.getOrDefault("volumeMounts", List.of())));
            mounts.forEach(vm -> {
                if (!all.contains((String) vm.get("name"))) {
                    problems.add(s.id() + ": mounts undeclared volume " + vm.get("name"));
                }
            });
            assertThat(s.volumeMounts()).as(s.id() + ": the read-only root needs the output dir mounted")
                    .anySatisfy(vm -> assertThat(vm.get("mountPath")).isEqualTo(ArgoTemplates.OUTPUT_DIR));
            for (Map<String, Object> p : s.outputParameters()) {
                Map<String, Object> from = (Map<String, Object>) p.get("valueFrom");
                assertThat((String) from.get("path")).as(s.id() + " output " + p.get("name")).startsWith(ArgoTemplates.OUTPUT_DIR + "/");
                assertThat(from).as(s.id() + " output " + p.get("name") + " has a default (a failed step still reports)").containsKey("default");
            }
            assertThat(((Map<String, Object>) s.container().get("securityContext")).get("readOnlyRootFilesystem")).isEqualTo(true);
        }
        assertThat(problems).isEmpty();

        // {{steps.X.outputs.parameters.Y}}: X is a step of a template whose outputs declare Y
        String text = Files.readString(file);
        Map<String, String> stepToTemplate = new java.util.HashMap<>();
        for (Map<String, Object> t : ArgoTemplates.templates(wt)) {
            for (List<Map<String, Object>> group : (List<List<Map<String, Object>>>) t.getOrDefault("steps", List.of())) {
                group.forEach(st -> stepToTemplate.put((String) st.get("name"), (String) st.get("template")));
            }
        }
        Matcher m = STEP_OUTPUT.matcher(text);
        int refs = 0;
        while (m.find()) {
            refs++;
            ArgoTemplates.Step target = byTemplate.get(stepToTemplate.get(m.group(1)));
            assertThat(target).as("step " + m.group(1)).isNotNull();
            assertThat(target.outputPaths()).as(m.group()).containsKey(m.group(2));
        }
        assertThat(refs).isPositive();
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePipelineCreatesJobsFromCronJobsTheChartRenders() throws Exception {
        Path file = Project.examples().resolve("pipelines/github-actions-etcd-upgrade.yaml");
        Map<String, Object> workflow = Rendered.SERIALIZATION.unmarshal(Files.readString(file), Map.class);
        Map<String, Object> jobs = (Map<String, Object>) workflow.get("jobs");
        List<String> runs = new ArrayList<>();
        jobs.values().forEach(j -> ((List<Map<String, Object>>) ((Map<String, Object>) j).get("steps"))
                .forEach(s -> { if (s.get("run") != null) { runs.add((String) s.get("run")); } }));
        Pattern from = Pattern.compile("create job \"\\$job\" --from=cronjob/\"\\$PREFIX\"-([a-z]+)");
        List<String> used = new ArrayList<>();
        for (String run : runs) {
            Matcher m = from.matcher(run);
            while (m.find()) {
                used.add(m.group(1));
            }
        }
        assertThat(used).containsExactly("backup", "upgrade", "health");
        // the variables set on the way (kubectl set env --local, as NOTES shows) are upgrader's
        Matcher setEnv = Pattern.compile("set env --local -f - ((?:[A-Z_]+=\\S+ ?)+)").matcher(String.join("\n", runs));
        assertThat(setEnv.find()).isTrue();
        List<String> vars = java.util.Arrays.stream(setEnv.group(1).trim().split(" ")).map(a -> a.substring(0, a.indexOf('='))).toList();
        assertThat(vars).containsExactly("ETCD_OPS_TO_VERSION");
        assertThat(JobCli.unknownTo("upgrader", List.of(), vars)).isEmpty();
        // the default prefix input is the chart's fullname for release etcd-ops
        assertThat(Files.readString(file)).contains("default: etcd-ops");
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("upgrade.enabled", "true", "health.enabled", "true"));
        for (String job : used) {
            CronJob c = r.cronJob(job);
            assertThat(c).isNotNull();
        }
        assertThat(r.cronJob("upgrade").getSpec().getSuspend()).as("the pipeline instantiates the suspended template").isTrue();
        Helm.Result syntax = Helm.exec(List.of("bash", "-n", Project.examples().resolve("pipelines/wait-job.sh").toString()));
        assertThat(syntax.exitCode()).as(syntax.output()).isZero();
    }
}
