package io.etcdops.charts;

import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdProcesses;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.etcd.RestoredMember;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The images themselves (only with -Pimages, which builds target/jib-image.tar in every job module on the local JRE
 * base of scripts/build-base-image.sh): loaded into podman and run as Kubernetes would run them — their own user
 * (65532), a read-only root filesystem with a tmpfs /tmp, host networking (TESTING.md: no bridge networks here).
 * Every image's --help exits 0 and names its variables; the backup-job image backs up a real etcd on 127.0.0.1 into
 * a mounted folder, and the restore-job image fetches and verifies that backup and restores it into a data dir with
 * etcdutl, which a real etcd then serves. The slim images (member-replacer, health-checker) read a simulated cluster
 * (testkit's KubeSimulation: its API server and real etcd pods on 127.x addresses) through Kubernetes and etcd, so the
 * dependencies the images leave out (see the parent pom) are proven unneeded on those paths; and the member-replacer
 * image replaces a frozen member end to end, as the chart's CronJob runs it.
 */
class ImageSmokeIT {

    /** The images were built with -Pcds: the backup-job image has a CDS archive (set by charts' pom). */
    private static final boolean CDS = Boolean.getBoolean("etcdops.image.cds");

    static Stream<String> images() {
        return JobCli.IMAGES.stream();
    }

    static String ref(String image) {
        return "ghcr.io/etcd-ops/" + image + ":" + Project.version();
    }

    @BeforeAll
    static void load() {
        for (String image : JobCli.IMAGES) {
            Path tar = Project.root().resolve(image).resolve("target/jib-image.tar");
            assertThat(tar).as("built by -Pimages").isRegularFile();
            Helm.Result r = Helm.exec(List.of("podman", "load", "-q", "-i", tar.toString()));
            assertThat(r.exitCode()).as(r.output()).isZero();
        }
    }

    /** podman run with what a restricted pod has: image user, read-only root, writable /tmp only, no capabilities. */
    static Helm.Result run(List<String> options, String image, String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--runtime", "runc", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=1024:1024", "--network", "host", "--read-only", "--tmpfs", "/tmp:rw,mode=1777",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges"));
        cmd.addAll(options);
        cmd.add(ref(image));
        cmd.addAll(List.of(args));
        return Helm.exec(cmd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void helpExitsZeroAndNamesTheVariables(String image) {
        Helm.Result r = run(List.of(), image, "--help");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.stdout()).contains("Usage: " + image, "Exit codes:");
        if (image.equals("restore-job")) { // its variables are listed per subcommand
            r = run(List.of(), image, "fetch", "--help");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.stdout()).contains("ETCD_OPS_STORE", "ETCD_OPS_SNAPSHOT", "ETCD_OPS_OUTPUT_DIR");
        } else {
            assertThat(r.stdout()).contains("ETCDCTL_ENDPOINTS", "ETCD_OPS_OUTPUT_DIR");
        }

        Helm.Result inspect = Helm.exec(List.of("podman", "image", "inspect", ref(image), "--format",
                "{{.Config.User}}|{{json .Config.Entrypoint}}|{{.Created}}|{{index .Labels \"org.opencontainers.image.version\"}}|"
                        + "{{index .Labels \"org.opencontainers.image.source\"}}|{{index .Labels \"org.opencontainers.image.revision\"}}|{{json .Config.Env}}"));
        assertThat(inspect.exitCode()).as(inspect.output()).isZero();
        String[] f = inspect.stdout().strip().split("\\|");
        assertThat(f[0]).isEqualTo("65532:65532");
        String cds = image.equals("backup-job") && CDS ? "\"-XX:SharedArchiveFile=/app/cds/backup-job.jsa\"," : "";
        assertThat(f[1]).startsWith("[\"java\"," + cds + "\"-XX:MaxRAMPercentage=75\"").endsWith("\"-cp\",\"@/app/jib-classpath-file\",\"" + JobCli.mainClass(image) + "\"]");
        assertThat(f[2]).as("reproducible: project.build.outputTimestamp").startsWith("2026-11-24 00:00:00");
        assertThat(f[3]).isEqualTo(Project.version());
        assertThat(f[4]).startsWith("https://");
        assertThat(f[5]).isNotBlank();
        assertThat(f[6]).contains("MALLOC_ARENA_MAX=2");
        assertThat(f[1]).contains("-Dio.netty.allocator.type=unpooled");
    }

    /**
     * With -Pcds (scripts/test.sh), the backup-job image's CDS archive (scripts/image-cds.sh) is mapped by the image's
     * JVM with its class path: -Xshare:on makes a JVM that cannot use the archive fail instead of running without it,
     * and our own classes (the application class loader's part of the archive) come from it.
     */
    @Test
    void backupImageMapsItsClassDataSharingArchive() {
        assumeTrue(CDS, "images built without -Pcds: no archive");
        Helm.Result entry = Helm.exec(List.of("podman", "image", "inspect", ref("backup-job"), "--format", "{{range .Config.Entrypoint}}{{println .}}{{end}}"));
        assertThat(entry.exitCode()).as(entry.output()).isZero();
        List<String> java = new ArrayList<>(entry.stdout().strip().lines().toList());
        assertThat(java).contains("-XX:SharedArchiveFile=/app/cds/backup-job.jsa");
        java.addAll(1, List.of("-Xshare:on", "-Xlog:class+load=info"));
        java.add("--help");
        List<String> options = List.of("--entrypoint", java.get(0));
        Helm.Result r = run(options, "backup-job", java.subList(1, java.size()).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.stdout()).contains("io.etcdops.backup.BackupJob source: shared objects file")
                .contains("picocli.CommandLine source: shared objects file")
                .contains("Usage: backup-job");
    }

    @Test
    void backupImageBacksUpARealEtcdAndTheRestoreImageRestoresIt(@TempDir Path tmp) throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("backups"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx")); // the images run as 65532
        Path keys = Files.createDirectories(tmp.resolve("keys"));
        Files.writeString(keys.resolve("key"), java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes()));
        Files.setPosixFilePermissions(keys.resolve("key"), PosixFilePermissions.fromString("rw-r--r--"));
        EtcdBinaries bin = EtcdBinaries.of(EtcdBinaries.V3_5);
        List<String> mounts = List.of("-v", shared + ":/backups", "-v", keys + ":/keys:ro", "-e", "ETCD_OPS_ENCRYPTION_KEY_FILE=/keys/key");

        RestoredMember.Dump before;
        try (EtcdCluster etcd = EtcdCluster.start(EtcdBinaries.V3_5, 3)) {
            for (int i = 0; i < 200; i++) {
                etcd.put("/registry/configmaps/default/cm-" + i, "{\"kind\":\"ConfigMap\",\"data\":{\"i\":\"" + i + "\"}}");
            }
            before = RestoredMember.dump(etcd.endpoints(), null);
            Helm.Result backup = run(mounts, "backup-job", "--endpoints", etcd.endpoints(), "--store", "file:///backups/store",
                    "--cluster-name", "smoke", "--spool-dir", "/tmp", "--output-dir", "/backups/out-backup");
            assertThat(backup.exitCode()).as(backup.output()).isZero();

            // the backup age: health-checker's image reads the file:// store; a cloud store is refused (no cloud SDK in
            // it) and checked by the backup-job image instead, as the chart's health pod does (container backup-age)
            Helm.Result health = run(mounts, "health-checker", "--endpoints", etcd.endpoints(), "--store", "file:///backups/store",
                    "--cluster-name", "smoke", "--format", "json");
            assertThat(health.exitCode()).as(health.output()).isZero();
            assertThat(health.stdout()).contains("\"status\":\"healthy\"").contains("\"committedSnapshots\":1");
            Helm.Result cloud = run(mounts, "health-checker", "--endpoints", etcd.endpoints(), "--store", "s3://backups/smoke");
            assertThat(cloud.exitCode()).as(cloud.output()).isEqualTo(2);
            assertThat(cloud.output()).contains("check this store with: backup-job list --store s3://backups/smoke --max-age 25h");
            Helm.Result fresh = run(mounts, "backup-job", "list", "--store", "file:///backups/store", "--cluster-name", "smoke",
                    "--max-age", "1h");
            assertThat(fresh.exitCode()).as(fresh.output()).isZero();
            Helm.Result stale = run(mounts, "backup-job", "list", "--store", "file:///backups/store", "--cluster-name", "smoke",
                    "--max-age", "1ms");
            assertThat(stale.exitCode()).as(stale.output()).isEqualTo(1);
            assertThat(stale.output()).contains("more than --max-age 1ms");
        }
        assertThat(Files.readString(shared.resolve("out-backup/status"))).isEqualTo("succeeded");
        assertThat(Long.parseLong(Files.readString(shared.resolve("out-backup/revision")))).isEqualTo(before.revision());
        assertThat(Files.readString(shared.resolve("out-backup/snapshot-uri"))).startsWith("file:///backups/store/smoke/").endsWith(".db.zst.enc");

        Helm.Result fetch = run(mounts, "restore-job", "fetch", "--store", "file:///backups/store", "--cluster-name", "smoke",
                "--out", "/backups/fetched.db", "--output-dir", "/backups/out-fetch");
        assertThat(fetch.exitCode()).as(fetch.output()).isZero();
        assertThat(Files.readString(shared.resolve("out-fetch/key-count"))).isEqualTo(String.valueOf(before.kvs().size()));

        // a real restore inside the image, with the etcdutl of the cluster's version mounted in
        int peer = FreePorts.next();
        int client = FreePorts.next();
        List<String> withEtcdutl = new ArrayList<>(mounts);
        withEtcdutl.addAll(List.of("-v", bin.etcd().getParent() + ":/opt/etcd:ro"));
        Helm.Result restore = run(withEtcdutl, "restore-job", "local", "--store", "file:///backups/store", "--cluster-name", "smoke",
                "--etcdutl", "/opt/etcd/etcdutl", "--name", "m0", "--initial-cluster", "m0=http://127.0.0.1:" + peer,
                "--data-dir", "/backups/restored/m0.etcd", "--work-dir", "/tmp", "--output-dir", "/backups/out-restore");
        assertThat(restore.exitCode()).as(restore.output()).isZero();

        Process etcd = new ProcessBuilder(bin.etcd().toString(), "--name", "m0", "--data-dir", shared.resolve("restored/m0.etcd").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "m0=http://127.0.0.1:" + peer).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("restored-etcd.log").toFile()).start();
        EtcdProcesses.register(etcd);
        try {
            RestoredMember.Dump after = null;
            for (int i = 0; i < 100 && after == null; i++) {
                try {
                    after = RestoredMember.dump("http://127.0.0.1:" + client, null);
                } catch (RuntimeException e) {
                    Thread.sleep(200);
                }
            }
            assertThat(after).as(Files.readString(tmp.resolve("restored-etcd.log"))).isNotNull();
            assertThat(after.kvs()).isEqualTo(before.kvs());
            assertThat(after.revision()).as("Kubernetes-safe bump").isGreaterThanOrEqualTo(before.revision() + 1_000_000_000L);
        } finally {
            etcd.destroy();
            etcd.waitFor();
        }
    }

    /** podman options that let an image reach the simulation: its API server, and its pods by DNS name. */
    static List<String> simulationAccess(KubeSimulation sim) {
        // the pods' DNS names come from the simulation's hosts file, which the JVM reads instead of /etc/hosts
        String hostsFile = sim.network().hostsFile().toString();
        return List.of("-v", hostsFile + ":" + hostsFile + ":ro",
                "-e", "JAVA_TOOL_OPTIONS=" + String.join(" ", sim.jvmOptions()),
                "-e", "KUBERNETES_MASTER=" + sim.apiUrl(), "-e", "KUBERNETES_NAMESPACE=default",
                "-e", "KUBERNETES_AUTH_TRYKUBECONFIG=false", "-e", "KUBERNETES_AUTH_TRYSERVICEACCOUNT=false");
    }

    @Test
    void slimImagesReadASimulatedClusterThroughKubernetesAndEtcd() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            EtcdStatefulSets.flagStyle().version(EtcdBinaries.V3_5).objects().forEach(sim::apply);
            sim.awaitStatefulSetReady("etcd", Duration.ofMinutes(3));
            List<String> cluster = new ArrayList<>(simulationAccess(sim));
            cluster.addAll(List.of("-e", "ETCD_OPS_STATEFULSET=etcd"));

            Helm.Result replacer = run(cluster, "member-replacer", "--dry-run");
            assertThat(replacer.exitCode()).as(replacer.output()).isZero();
            assertThat(replacer.stdout()).contains("\"decision\":\"healthy\"", "all 3 members healthy");

            Helm.Result health = run(cluster, "health-checker");
            assertThat(health.exitCode()).as(health.output()).isZero();
            assertThat(health.stdout()).contains("\"status\":\"healthy\"", "\"members-reachable\":\"3/3\"", "hashkv consistent");
        }
    }

    /**
     * The member-replacer image, with the env the chart's replacer CronJob gives it (grace shortened through values),
     * replaces a frozen member end to end: the first run starts the grace clock, the next one holds the pod, removes
     * the member, runs the seed pod (member-replacer's main in the simulation), promotes and hands the volume back.
     */
    @Test
    void replacerImageReplacesAFrozenMemberAsTheChartRunsIt() throws Exception {
        Rendered chart = Rendered.parse(Helm.HELM3.run(List.of("template", Helm.RELEASE, Project.chart().toString(), "--namespace", "default",
                "-f", Project.valuesFile("minimal").toString(), "--set", "target.headlessService=etcd", "--set", "replacer.enabled=true",
                "--set", "replacer.grace=2s", "--set", "replacer.timeout=4m", "--set", "target.commandTimeout=3s",
                "--set", "target.dialTimeout=2s")).orFail().stdout());
        Container replacer = Rendered.main(chart.cronJob("replacer"));
        try (KubeSimulation sim = KubeSimulation.start();
             FrozenMemberScenario frozen = FrozenMemberScenario.start(sim, Rendered.env(replacer, "ETCD_OPS_IMAGE"))) {
            List<String> options = new ArrayList<>(simulationAccess(sim));
            options.addAll(List.of("--tmpfs", "/etcd-ops/output:rw,mode=1777"));
            for (EnvVar e : replacer.getEnv()) {
                if (e.getValue() != null) {
                    options.addAll(List.of("-e", e.getName() + "=" + e.getValue()));
                }
            }
            Helm.Result first = run(options, "member-replacer");
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(first.stdout()).contains("\"decision\":\"waiting\"", "etcd-1");
            Thread.sleep(3000);

            Helm.Result second = run(options, "member-replacer");
            assertThat(second.exitCode()).as(second.output() + "\n" + sim.describePods("etcd")).isZero();
            assertThat(second.stdout()).contains("\"decision\":\"replace\"", "\"outcome\":\"replaced\"", "\"rejoin\":\"seed\"");
            frozen.assertReplaced();
        }
    }
}
