package io.etcdops.charts;

import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.jobs.JobProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Argo examples' job command lines, run for real (the main class in a child JVM, as the image's entrypoint would)
 * against a real etcd 3.5 with a file:// store: every output file the WorkflowTemplates read with valueFrom.path is
 * written. Argo itself does not run here: the workflow parameters and container paths are mapped to local ones. The
 * upgrade step needs a StatefulSet: ChartRbacIT runs upgrader in the Kubernetes simulation and checks its files.
 */
class ExamplesOutputFilesIT {

    @Test
    void everyOutputFileTheWorkflowsReadIsWritten(@TempDir Path tmp) throws Exception {
        EtcdBinaries bin = EtcdBinaries.of(EtcdBinaries.V3_5);
        Path key = tmp.resolve("key");
        Files.writeString(key, java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes()));
        try (EtcdCluster etcd = EtcdCluster.start(EtcdBinaries.V3_5, 1)) {
            for (int i = 0; i < 50; i++) {
                etcd.put("/registry/configmaps/default/cm-" + i, "{\"i\":" + i + "}");
            }
            // workflow parameters and in-container paths -> this machine
            Map<String, String> local = new LinkedHashMap<>();
            local.put("{{workflow.parameters.endpoints}}", etcd.endpoints());
            local.put("{{workflow.parameters.store}}", "file://" + tmp.resolve("store"));
            local.put("{{workflow.parameters.cluster-name}}", "etcd");
            local.put("{{workflow.parameters.snapshot}}", "latest");
            local.put("{{inputs.parameters.snapshot}}", "latest");
            local.put("/etcd-ops/encryption/key", key.toString());
            local.put("/etcd-ops/restore", tmp.resolve("restore").toString());
            local.put("/etcd-ops/work", tmp.resolve("work").toString());
            local.put("/etcd-bin/", bin.etcd().getParent() + "/");
            local.put("--spool-dir=/tmp", "--spool-dir=" + tmp.resolve("spool"));

            List<String> checked = new ArrayList<>();
            // backup first: the other steps read what it stored
            List<ArgoTemplates.Step> steps = new ArrayList<>();
            for (Path f : ArgoTemplates.files()) {
                steps.addAll(ArgoTemplates.steps(f));
            }
            steps.sort((a, b) -> Boolean.compare(!a.template().equals("backup"), !b.template().equals("backup")));
            for (ArgoTemplates.Step s : steps) {
                if (s.image().contains("/upgrader:")) {
                    continue; // needs a StatefulSet: ChartRbacIT runs upgrader in the Kubernetes simulation and checks these files
                }
                Path out = tmp.resolve("out-" + s.id().replace('#', '-'));
                String image = JobCli.imageName(s.image().replace("{{workflow.parameters.image-tag}}", Project.version()));
                JobProcess job = JobProcess.of(JobCli.mainClass(image)).timeoutSeconds(180);
                for (Map<String, Object> e : s.env()) {
                    job.env((String) e.get("name"), localize((String) e.get("value"), local, out));
                }
                List<String> args = s.args().stream().map(a -> localize(a, local, out)).toList();
                assertThat(String.join(" ", args)).as(s.id() + ": every parameter mapped").doesNotContain("{{");
                JobProcess.Result r = job.run(args.toArray(String[]::new));

                assertThat(r.exitCode()).as(s.id() + "\n" + r).isZero();
                s.outputPaths().forEach((name, path) -> {
                    Path file = out.resolve(path.substring(ArgoTemplates.OUTPUT_DIR.length() + 1));
                    assertThat(file).as(s.id() + " writes the output file " + name + " reads").isRegularFile();
                    checked.add(s.id() + ":" + name);
                });
                if (s.template().equals("backup")) {
                    assertThat(Files.readString(out.resolve("status"))).isEqualTo("succeeded");
                    assertThat(Files.readString(out.resolve("snapshot-uri"))).startsWith("file://" + tmp.resolve("store") + "/etcd/").endsWith(".db.zst.enc");
                }
                if (s.template().equals("fetch")) {
                    assertThat(tmp.resolve("restore/snapshot.db")).isRegularFile();
                }
            }
            assertThat(checked).as("output parameters checked").hasSizeGreaterThan(15)
                    .contains("backup-upgrade-health.yaml#backup:snapshot-uri", "restore-drill.yaml#drill:snapshot-name",
                            "restore-drill.yaml#fetch:file", "backup-upgrade-health.yaml#health:criticals");
        }
    }

    private static String localize(String value, Map<String, String> local, Path out) {
        String v = value.replace(ArgoTemplates.OUTPUT_DIR, out.toString());
        for (Map.Entry<String, String> e : local.entrySet()) {
            v = v.replace(e.getKey(), e.getValue());
        }
        return v;
    }
}
