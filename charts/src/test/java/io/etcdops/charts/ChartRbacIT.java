package io.etcdops.charts;

import io.etcd.jetcd.Client;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.jobs.JobProcess;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.etcdops.charts.FrozenMemberScenario.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's Roles against what the jobs really do. The simulation's API server (fabric8's CRUD mock) enforces no
 * RBAC, so every request the jobs make goes through a recording proxy and is turned into the permission it needs. The
 * jobs run with the env and args of the chart's rendered containers (the store and in-container paths mapped to
 * local ones) against a real etcd 3.6 StatefulSet: backup-job, upgrader, then restore-job kubernetes forced over the healthy
 * cluster, as NOTES says (kubectl set env ETCD_OPS_FORCE=true), which must bring the backed-up data back; before it,
 * upgrader with ETCD_OPS_TO_VERSION set the same way, 3.6.10 -> 3.6.16, keeping the data. Then: every recorded
 * permission is granted by the job's Role, and every verb the Role grants was used. member-replacer gets its own
 * simulation: a member frozen past the grace period is replaced by the scheduled CronJob's container, with the health
 * CronJob's container (defrag on) run before and after it.
 */
class ChartRbacIT {
    private static final Duration UP = Duration.ofSeconds(120);

    @Test
    void rolesGrantExactlyWhatTheJobsDo(@TempDir Path tmp) throws Exception {
        Rendered chart = Rendered.parse(Helm.HELM3.run(List.of("template", Helm.RELEASE, Project.chart().toString(), "--namespace", "default",
                "-f", Project.valuesFile("minimal").toString(), "--set", "target.headlessService=etcd", "--set", "upgrade.enabled=true", "--set", "restore.timeout=4m"))
                .orFail().stdout());
        String store = "file://" + tmp.resolve("store");
        try (KubeSimulation sim = KubeSimulation.start(); RecordingApiProxy backupApi = new RecordingApiProxy(sim.apiUrl());
             RecordingApiProxy restoreApi = new RecordingApiProxy(sim.apiUrl());
             RecordingApiProxy upgradeApi = new RecordingApiProxy(sim.apiUrl())) {
            sim.images().registerJvmMain("ghcr.io/etcd-ops/restore-job", JobCli.mainClass("restore-job"));
            EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_6_OLD).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", UP);
            String eps = IntStream.range(0, 3).mapToObj(i -> sim.resolve(URI.create("http://etcd-" + i + ".etcd:2379")).toString())
                    .collect(Collectors.joining(","));
            try (Client c = Client.builder().endpoints(eps.split(",")).build()) {
                for (int i = 0; i < 30; i++) {
                    c.getKVClient().put(bytes("/registry/configmaps/default/cm-" + i), bytes("v" + i)).get(10, TimeUnit.SECONDS);
                }
            }
            RestoredMember.Dump atBackup = RestoredMember.dump(eps, null);

            JobProcess.Result backup = run(sim, backupApi, Rendered.main(chart.cronJob("backup")), "backup-job", tmp, Map.of("ETCD_OPS_STORE", store));
            assertThat(backup.exitCode()).as(backup.toString()).isZero();
            JobProcess.Result upgrade = run(sim, upgradeApi, Rendered.main(chart.cronJob("upgrade")), "upgrader", tmp,
                    Map.of("ETCD_OPS_STORE", store, "ETCD_OPS_TO_VERSION", EtcdBinaries.V3_6));
            if (upgrade.exitCode() == 1 && upgrade.stdout().contains("code=409")) {
                // upgrader does not retry an optimistic-concurrency conflict with the StatefulSet controller (reported);
                // it stops safely and says to rerun, which resumes: what an operator does
                upgrade = run(sim, upgradeApi, Rendered.main(chart.cronJob("upgrade")), "upgrader", tmp,
                        Map.of("ETCD_OPS_STORE", store, "ETCD_OPS_TO_VERSION", EtcdBinaries.V3_6));
            }
            assertThat(upgrade.exitCode()).as(upgrade + "\n" + sim.describePods("etcd")).isZero();
            sim.awaitStatefulSetReady("etcd", UP);
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage()).endsWith(EtcdBinaries.V3_6);
            assertThat(RestoredMember.dump(eps, null).kvs()).as("the data survives the upgrade").isEqualTo(atBackup.kvs());
            // the files the Argo example's upgrade step reads (ExamplesOutputFilesIT cannot run upgrader without a StatefulSet)
            for (ArgoTemplates.Step step : ArgoTemplates.steps(Project.examples().resolve("argo/backup-upgrade-health.yaml"))) {
                if (step.image().contains("/upgrader:")) {
                    step.outputPaths().forEach((name, path) -> assertThat(tmp.resolve("upgrader/output").resolve(
                            path.substring(ArgoTemplates.OUTPUT_DIR.length() + 1))).as("Argo upgrade output " + name).isRegularFile());
                }
            }
            // upgrade before restore: a backup of a restored cluster fails verification today (core's bbolt reader
            // rejects the revision-bump entry etcdutl writes; reported), and the upgrader backs up first
            try (Client c = Client.builder().endpoints(eps.split(",")).build()) {
                c.getKVClient().put(bytes("/registry/configmaps/default/after-backup"), bytes("lost by the restore")).get(10, TimeUnit.SECONDS);
            }

            JobProcess.Result restore = run(sim, restoreApi, Rendered.main(chart.cronJob("restore")), "restore-job", tmp,
                    Map.of("ETCD_OPS_STORE", store, "ETCD_OPS_FORCE", "true"));
            assertThat(restore.exitCode()).as(restore + "\n" + sim.describePods("etcd")).isZero();
            sim.awaitStatefulSetReady("etcd", UP);
            assertThat(RestoredMember.dump(eps, null).kvs()).as("the backed-up data is back").isEqualTo(atBackup.kvs());

            assertGrantsExactly(chart.get(Role.class, "etcd-ops-backup"), backupApi.permissions(), Set.of());
            // in a pod (not here) restore-job also reads its own pod, to give the restore pods its env: pods get, which
            // the recorded run needs anyway (waiting for pods to go). pods delete: a rerun after a failed member first
            // deletes the leftover restore pod (the resume case of restore-job's KubernetesRestoreIT), not this run.
            // leases create: the first operation on a cluster creates the Lease (the upgrade did, above); later ones update it.
            assertThat(upgradeApi.permissions()).anySatisfy(p -> assertThat(p.toString()).isEqualTo("default:coordination.k8s.io/leases:create"));
            assertGrantsExactly(chart.get(Role.class, "etcd-ops-restore"), restoreApi.permissions(),
                    Set.of("core/pods:delete", "coordination.k8s.io/leases:create"));
            assertGrantsExactly(chart.get(Role.class, "etcd-ops-upgrade"), upgradeApi.permissions(), Set.of());
        }
    }

    /**
     * member-replacer as the replacer CronJob runs it (its rendered env; only the grace period shortened through values,
     * as a user would set it): etcd-1 is frozen (SIGSTOP: its process stays, it answers nothing), the first run starts its
     * clock (the unhealthy-since annotation, a MemberUnhealthy Event), the first run after the grace period replaces it
     * through a seed pod running the chart's member-replacer image. Then the data is on a new member and the Role grants
     * exactly what the two runs did — except persistentvolumeclaims delete, used only for StatefulSets whose pod scripts
     * rejoin by themselves (Bitnami's), which the simulation cannot run (it runs etcd binaries, not shell scripts).
     *
     * <p>The health CronJob's container (with defrag) runs on the same cluster: while etcd-1 is frozen (critical, a
     * Warning Event) and after the replacement (defrag under the cluster Lease); its Role must match those runs too.
     *
     * <p>The frozen member and the final-status stand-in are {@link FrozenMemberScenario}'s; its status writes bypass
     * the proxy.
     */
    @Test
    void replacerRoleGrantsExactlyWhatAReplacementDoes(@TempDir Path tmp) throws Exception {
        Duration grace = Duration.ofSeconds(8);
        Rendered chart = Rendered.parse(Helm.HELM3.run(List.of("template", Helm.RELEASE, Project.chart().toString(), "--namespace", "default",
                "-f", Project.valuesFile("minimal").toString(), "--set", "target.headlessService=etcd", "--set", "replacer.enabled=true",
                "--set", "replacer.grace=" + grace.toSeconds() + "s", "--set", "replacer.timeout=4m", "--set", "target.commandTimeout=3s",
                "--set", "target.dialTimeout=2s", "--set", "health.enabled=true", "--set", "health.defrag=true")).orFail().stdout());
        Container replacer = Rendered.main(chart.cronJob("replacer"));
        Container health = Rendered.main(chart.cronJob("health"));
        Map<String, String> localStore = Map.of("ETCD_OPS_STORE", "file://" + tmp.resolve("store"));
        try (KubeSimulation sim = KubeSimulation.start(); RecordingApiProxy api = new RecordingApiProxy(sim.apiUrl());
             RecordingApiProxy healthApi = new RecordingApiProxy(sim.apiUrl());
             FrozenMemberScenario frozen = FrozenMemberScenario.start(sim, Rendered.env(replacer, "ETCD_OPS_IMAGE"))) {
            // the health CronJob while etcd-1 is frozen: critical, a Warning Event on the StatefulSet (its defrag switched
            // off for this run, so that the replacer, not health, is the first to create the cluster Lease)
            Map<String, String> noDefrag = new LinkedHashMap<>(localStore);
            noDefrag.put("ETCD_OPS_DEFRAG", "false");
            JobProcess.Result unhealthy = run(sim, healthApi, health, "health-checker", tmp, noDefrag);
            assertThat(unhealthy.reportLine()).as(unhealthy.toString()).contains("\"status\":\"critical\"", "etcd-1");

            JobProcess.Result first = run(sim, api, replacer, "member-replacer", tmp, Map.of());
            assertThat(first.exitCode()).as(first.toString()).isZero();
            assertThat(first.reportLine()).contains("\"decision\":\"waiting\"", "etcd-1");
            assertThat(sim.client().apps().statefulSets().withName("etcd").get().getMetadata().getAnnotations())
                    .containsKey("etcd-ops.io/unhealthy-since");
            Thread.sleep(grace.toMillis() + 1000);

            JobProcess.Result second = run(sim, api, replacer, "member-replacer", tmp, Map.of());
            assertThat(second.exitCode()).as(second + "\n" + sim.describePods("etcd")).isZero();
            assertThat(second.reportLine()).contains("\"decision\":\"replace\"", "\"outcome\":\"replaced\"", "\"rejoin\":\"seed\"");
            frozen.assertReplaced();
            // and once the members are healthy again, with free pages in every db and thresholds that make them count
            // as fragmented: its scheduled defrag has work and runs under the cluster Lease (the run is still critical:
            // the local store holds no backup)
            frozen.fragmentTheDbs();
            Map<String, String> fragmented = new LinkedHashMap<>(localStore);
            fragmented.put("ETCD_OPS_FRAGMENTATION_RATIO", "0.99");
            fragmented.put("ETCD_OPS_FRAGMENTATION_MIN_SIZE", "4KiB");
            JobProcess.Result healthy = run(sim, healthApi, health, "health-checker", tmp, fragmented);
            assertThat(healthy.reportLine()).as(healthy.toString()).contains("\"members-reachable\":\"3/3\"", "\"action\":\"defrag\"",
                    "\"outcome\":\"done\"");

            assertGrantsExactly(chart.get(Role.class, "etcd-ops-replacer"), api.permissions(), Set.of("core/persistentvolumeclaims:delete"));
            // leases create: the first operation on a cluster creates the Lease (here the replacer); later ones update it.
            // pods get: used instead of a list when the StatefulSet's selector has no matchLabels (only expressions)
            assertGrantsExactly(chart.get(Role.class, "etcd-ops-health"), healthApi.permissions(),
                    Set.of("coordination.k8s.io/leases:create", "core/pods:get"));
        }
    }

    /** Runs a rendered container's command line with its env, against the simulation through the proxy. */
    private static JobProcess.Result run(KubeSimulation sim, RecordingApiProxy api, Container c, String image, Path tmp,
                                         Map<String, String> overrides) {
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("/etcd-ops/", tmp.resolve(image).toString() + "/");
        JobProcess job = JobProcess.of(JobCli.mainClass(image)).jvmArgs(sim.jvmOptions()).timeoutSeconds(Long.getLong("etcdops.rbacit.timeout", 600))
                .env("KUBERNETES_MASTER", api.url()).env("KUBERNETES_NAMESPACE", "default")
                .env("KUBERNETES_AUTH_TRYKUBECONFIG", "false").env("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null && !e.getName().equals("JAVA_TOOL_OPTIONS")) {
                job.env(e.getName(), map(e.getValue(), paths));
            }
        }
        overrides.forEach(job::env);
        List<String> args = new ArrayList<>();
        (c.getArgs() == null ? List.<String>of() : c.getArgs()).forEach(a -> args.add(map(a, paths)));
        try {
            return job.run(args.toArray(String[]::new));
        } catch (RuntimeException e) {
            throw new AssertionError(image + " " + args + " did not finish; simulation errors: " + sim.errors() + "\n"
                    + sim.describePods("etcd") + "\nAPI requests so far: " + api.requests().size(), e);
        }
    }

    /** In-container paths (values that start with one) to local folders; image names and URLs stay as they are. */
    private static String map(String v, Map<String, String> paths) {
        for (Map.Entry<String, String> p : paths.entrySet()) {
            if (v.startsWith(p.getKey())) {
                return p.getValue() + v.substring(p.getKey().length());
            }
        }
        return v;
    }

    /** Every recorded permission is granted by a rule; every (group, resource, verb) a rule grants was recorded. */
    static void assertGrantsExactly(Role role, Set<RecordingApiProxy.Permission> used, Set<String> allowedUnused) {
        List<String> denied = new ArrayList<>();
        for (RecordingApiProxy.Permission p : used) {
            boolean granted = p.namespace().equals(role.getMetadata().getNamespace()) && role.getRules().stream().anyMatch(r ->
                    r.getApiGroups().contains(p.group()) && r.getResources().contains(p.resource()) && r.getVerbs().contains(p.verb())
                            && (r.getResourceNames() == null || r.getResourceNames().isEmpty() || r.getResourceNames().contains(p.name())));
            if (!granted) {
                denied.add(p.toString());
            }
        }
        Set<String> unused = new TreeSet<>();
        for (PolicyRule r : role.getRules()) {
            for (String g : r.getApiGroups()) {
                for (String res : r.getResources()) {
                    for (String verb : r.getVerbs()) {
                        boolean seen = used.stream().anyMatch(p -> p.group().equals(g) && p.resource().equals(res) && p.verb().equals(verb));
                        if (!seen) {
                            unused.add((g.isEmpty() ? "core" : g) + "/" + res + ":" + verb);
                        }
                    }
                }
            }
        }
        unused.removeAll(allowedUnused);
        assertThat(denied).as(role.getMetadata().getName() + ": requests the Role does not allow (used: " + used + ")").isEmpty();
        assertThat(unused).as(role.getMetadata().getName() + ": verbs granted but never used (used: " + used + ")").isEmpty();
    }
}
