package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What each example values file turns into: the env and args that reach the CLI, mounts, identities. */
class ChartValuesTest {

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    @Test
    void minimal() {
        Rendered r = Helm.HELM3.render("minimal");
        Container backup = Rendered.main(r.cronJob("backup"));
        assertThat(backup.getImage()).isEqualTo("ghcr.io/etcd-ops/backup-job:" + Project.version());
        assertThat(backup.getArgs()).as("configuration comes from env, flag-for-flag the CLI's").isEmpty();
        assertThat(Rendered.env(backup, "ETCDCTL_ENDPOINTS")).isEqualTo(
                "http://etcd-0.etcd-headless.etcd.svc.cluster.local:2379,http://etcd-1.etcd-headless.etcd.svc.cluster.local:2379,"
                        + "http://etcd-2.etcd-headless.etcd.svc.cluster.local:2379");
        assertThat(Rendered.env(backup, "ETCD_OPS_STORE")).isEqualTo("s3://etcd-backups/prod");
        assertThat(Rendered.env(backup, "ETCD_OPS_CLUSTER_NAME")).isEqualTo("etcd");
        assertThat(Rendered.env(backup, "ETCD_OPS_COMPRESSION")).isEqualTo("zstd");
        assertThat(Rendered.env(backup, "ETCD_OPS_SPOOL_DIR")).isEqualTo("/etcd-ops/spool");
        assertThat(Rendered.env(backup, "ETCD_OPS_OUTPUT_DIR")).isEqualTo("/etcd-ops/output");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_HOURLY")).isEqualTo("24");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_DAILY")).isEqualTo("7");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_WEEKLY")).isEqualTo("4");
        assertThat(Rendered.envNames(backup)).doesNotContain("ETCD_OPS_ENCRYPTION_KEY_FILE", "ETCDCTL_CACERT", "ETCDCTL_USER",
                "ETCD_OPS_PUSHGATEWAY_URL", "ETCD_OPS_DRY_RUN", "ETCD_OPS_KEEP_WITHIN", "ETCD_OPS_MEMBER", "ETCD_OPS_S3_SSE");
        assertThat(backup.getEnvFrom()).isEmpty();
        assertThat(volume(Rendered.pod(r.cronJob("backup")), "spool").getEmptyDir().getSizeLimit().toString()).isEqualTo("10Gi");

        Container restore = Rendered.main(r.cronJob("restore"));
        assertThat(restore.getImage()).isEqualTo("ghcr.io/etcd-ops/restore-job:" + Project.version());
        assertThat(restore.getArgs()).containsExactly("kubernetes", "--work-dir", "/etcd-ops/work",
                "--restore-service-account", "etcd-ops-restore", "--timeout", "30m");
        assertThat(Rendered.env(restore, "ETCD_OPS_SNAPSHOT")).isEqualTo("latest");
        assertThat(Rendered.env(restore, "ETCD_OPS_FORCE")).as("a healthy cluster is refused unless forced per run").isEqualTo("false");
        assertThat(Rendered.env(restore, "ETCD_OPS_BUMP_REVISION")).isEqualTo("1000000000");
        assertThat(Rendered.env(restore, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd");
        assertThat(Rendered.envNames(restore)).doesNotContain("ETCD_OPS_BEFORE", "ETCDCTL_ENDPOINTS", "ETCD_OPS_DRY_RUN", "ETCD_OPS_SERVICE");
        assertThat(volume(Rendered.pod(r.cronJob("restore")), "work").getEmptyDir().getSizeLimit().toString()).isEqualTo("10Gi");
    }

    @Test
    void s3WithIrsa() {
        Rendered r = Helm.HELM3.render("s3-irsa");
        assertThat(r.get(ServiceAccount.class, "etcd-ops-backup").getMetadata().getAnnotations())
                .containsExactly(Map.entry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/etcd-ops-backup"));
        assertThat(r.get(ServiceAccount.class, "etcd-ops-restore").getMetadata().getAnnotations())
                .containsExactly(Map.entry("eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/etcd-ops-read"));
        Container backup = Rendered.main(r.cronJob("backup"));
        assertThat(Rendered.env(backup, "ETCD_OPS_STORE")).isEqualTo("s3://acme-etcd-backups/eu-west-1/prod");
        assertThat(Rendered.env(backup, "ETCD_OPS_S3_REGION")).isEqualTo("eu-west-1");
        assertThat(Rendered.env(backup, "ETCD_OPS_S3_SSE")).isEqualTo("kms");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_LAST")).isEqualTo("12");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_DAILY")).isEqualTo("14");
        assertThat(Rendered.env(backup, "ETCD_OPS_ENCRYPTION_KEY_FILE")).isEqualTo("/etcd-ops/encryption/key");
        assertThat(Rendered.envNames(backup)).as("IRSA: no static keys").doesNotContain("AWS_ACCESS_KEY_ID");
        assertThat(backup.getEnvFrom()).isEmpty();
        assertThat(Rendered.env(backup, "ETCDCTL_ENDPOINTS").split(",")).hasSize(5);
        assertThat(volume(Rendered.pod(r.cronJob("backup")), "encryption-key").getSecret().getSecretName()).isEqualTo("etcd-backup-key");
        assertThat(Rendered.main(r.cronJob("restore")).getEnv()).as("restore decrypts with the same key")
                .filteredOn(e -> e.getName().equals("ETCD_OPS_ENCRYPTION_KEY")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("etcd-backup-key"));
    }

    @Test
    void gcsWithWorkloadIdentity() {
        Rendered r = Helm.HELM3.render("gcs-workload-identity");
        assertThat(r.all(ServiceAccount.class)).allSatisfy(sa -> assertThat(sa.getMetadata().getAnnotations())
                .containsEntry("iam.gke.io/gcp-service-account", "etcd-ops@acme-prod.iam.gserviceaccount.com"));
        for (CronJob c : r.all(CronJob.class)) {
            assertThat(Rendered.pod(c).getNodeSelector()).containsEntry("iam.gke.io/gke-metadata-server-enabled", "true");
            assertThat(Rendered.envNames(Rendered.main(c))).doesNotContain("GOOGLE_APPLICATION_CREDENTIALS");
        }
        assertThat(Rendered.env(Rendered.main(r.cronJob("backup")), "ETCDCTL_ENDPOINTS"))
                .startsWith("http://etcd-0.etcd.etcd.svc.cluster.local:2379,");
    }

    @Test
    void gcsWithAKeySecret() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("gcs-workload-identity")),
                Map.of("store.credentials.gcsKeySecret", "gcs-key", "restore.mode", "fetch"));
        Container backup = Rendered.main(r.cronJob("backup"));
        assertThat(Rendered.env(backup, "GOOGLE_APPLICATION_CREDENTIALS")).isEqualTo("/etcd-ops/gcs/key.json");
        assertThat(volume(Rendered.pod(r.cronJob("backup")), "gcs-key").getSecret().getSecretName()).isEqualTo("gcs-key");
    }

    @Test
    void azureWithWorkloadIdentity() {
        Rendered r = Helm.HELM3.render("azure-workload-identity");
        assertThat(r.all(ServiceAccount.class)).allSatisfy(sa -> assertThat(sa.getMetadata().getAnnotations())
                .containsEntry("azure.workload.identity/client-id", "00000000-1111-2222-3333-444444444444"));
        for (CronJob c : r.all(CronJob.class)) {
            assertThat(c.getSpec().getJobTemplate().getSpec().getTemplate().getMetadata().getLabels())
                    .as("the webhook injects the identity only into labelled pods")
                    .containsEntry("azure.workload.identity/use", "true");
        }
        assertThat(Rendered.env(Rendered.main(r.cronJob("backup")), "ETCD_OPS_STORE")).isEqualTo("azblob://acmeetcdbackups/etcd/prod");
    }

    @Test
    void tlsAndAuth() {
        Rendered r = Helm.HELM3.render("tls-auth");
        for (String job : List.of("backup", "health")) {
            Container c = Rendered.main(r.cronJob(job));
            PodSpec pod = Rendered.pod(r.cronJob(job));
            assertThat(Rendered.env(c, "ETCDCTL_ENDPOINTS")).startsWith("https://etcd-0.etcd-headless.etcd.svc.cluster.local:2379,");
            assertThat(Rendered.env(c, "ETCDCTL_CACERT")).isEqualTo("/etcd-ops/tls/ca.crt");
            assertThat(Rendered.env(c, "ETCDCTL_CERT")).isEqualTo("/etcd-ops/tls/tls.crt");
            assertThat(Rendered.env(c, "ETCDCTL_KEY")).isEqualTo("/etcd-ops/tls/tls.key");
            assertThat(Rendered.env(c, "ETCDCTL_USER")).isEqualTo("backup");
            assertThat(Rendered.env(c, "ETCD_OPS_PASSWORD_FILE")).isEqualTo("/etcd-ops/auth/password");
            assertThat(Rendered.envNames(c)).as("the password never sits in an env var").doesNotContain("ETCDCTL_PASSWORD");
            assertThat(volume(pod, "etcd-tls").getSecret().getSecretName()).isEqualTo("etcd-client-tls");
            assertThat(volume(pod, "etcd-auth").getSecret().getSecretName()).isEqualTo("etcd-backup-user");
            assertThat(volume(pod, "etcd-auth").getSecret().getDefaultMode()).isEqualTo(0440);
        }
        // the store's access: backup-job, and backup-job's image beside health-checker (the backup-age container)
        for (Container c : List.of(Rendered.main(r.cronJob("backup")), Rendered.container(r.cronJob("health"), "backup-age"))) {
            assertThat(c.getEnvFrom()).singleElement().satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("etcd-ops-minio"));
            assertThat(Rendered.env(c, "ETCD_OPS_S3_ENDPOINT")).isEqualTo("https://minio.storage.svc:9000");
            assertThat(Rendered.env(c, "ETCD_OPS_S3_PATH_STYLE")).isEqualTo("true");
        }
        Container health = Rendered.main(r.cronJob("health"));
        assertThat(Rendered.env(health, "ETCD_OPS_HEALTH_FORMAT")).isEqualTo("json");
        assertThat(Rendered.envNames(Rendered.main(r.cronJob("restore")))).as("restore discovers the members, with the same TLS and user")
                .doesNotContain("ETCDCTL_ENDPOINTS").contains("ETCDCTL_CACERT", "ETCDCTL_USER", "ETCD_OPS_PASSWORD_FILE");
    }

    /**
     * health-checker's image has no cloud SDK: with a store, the health pod runs backup-job's image beside it
     * ({@code list --max-age}); the health container gets no store access, the backup-age container no etcd access.
     */
    @Test
    void theHealthPodChecksTheBackupAgeWithTheBackupImage() {
        Rendered r = Helm.HELM3.render("tls-auth");
        PodSpec pod = Rendered.pod(r.cronJob("health"));
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("health", "backup-age");
        Container age = Rendered.container(r.cronJob("health"), "backup-age");
        assertThat(age.getImage()).isEqualTo(Rendered.main(r.cronJob("backup")).getImage());
        assertThat(age.getArgs()).containsExactly("list", "--format", "json");
        assertThat(Rendered.env(age, "ETCD_OPS_BACKUP_MAX_AGE")).isEqualTo("25h");
        assertThat(Rendered.env(age, "ETCD_OPS_STORE")).isEqualTo(Rendered.env(Rendered.main(r.cronJob("backup")), "ETCD_OPS_STORE"));
        assertThat(Rendered.envNames(age)).noneMatch(n -> n.startsWith("ETCDCTL_")).doesNotContain("ETCD_OPS_PASSWORD_FILE");
        assertThat(age.getVolumeMounts()).extracting(m -> m.getName()).doesNotContain("etcd-tls", "etcd-auth", "kube-api-access");
        Container health = Rendered.main(r.cronJob("health"));
        assertThat(Rendered.envNames(health)).doesNotContain("ETCD_OPS_STORE", "ETCD_OPS_BACKUP_MAX_AGE");
        assertThat(health.getEnvFrom()).as("no store credentials in the health container").isNullOrEmpty();

        Rendered files = Helm.HELM3.render(List.of(Project.valuesFile("file-store")), java.util.Map.of("health.enabled", "true"));
        Container fileAge = Rendered.container(files.cronJob("health"), "backup-age");
        assertThat(Rendered.env(fileAge, "ETCD_OPS_STORE")).startsWith("file://");
        assertThat(fileAge.getVolumeMounts()).extracting(m -> m.getName()).contains("file-store");

        assertThat(Rendered.pod(Helm.HELM3.render(List.of(Project.valuesFile("minimal")), java.util.Map.of("health.enabled", "true", "backup.enabled", "false", "restore.enabled", "false", "store.uri", "")).cronJob("health")).getContainers()).as("no store, no backup-age container")
                .extracting(Container::getName).containsExactly("health");
    }

    /** Only the writers (backup, upgrade's pre-upgrade backup) mount a file:// store read-write; the readers' check only reads. */
    @Test
    void fileStoreReadersMountItReadOnly() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("file-store")),
                java.util.Map.of("health.enabled", "true", "drill.enabled", "true", "upgrade.enabled", "true",
                        "drill.etcdImage.repository", "quay.io/coreos/etcd", "drill.etcdImage.tag", "v3.5.21"));
        java.util.Map<String, Boolean> readOnly = new java.util.TreeMap<>();
        for (String job : List.of("backup", "restore", "drill", "health", "upgrade")) {
            for (Container k : Rendered.pod(r.cronJob(job)).getContainers()) {
                k.getVolumeMounts().stream().filter(m -> m.getName().equals("file-store"))
                        .forEach(m -> readOnly.put(job + "/" + k.getName(), Boolean.TRUE.equals(m.getReadOnly())));
            }
        }
        assertThat(readOnly).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("backup/backup", false, "upgrade/upgrade", false,
                "restore/restore", true, "drill/drill", true, "health/backup-age", true));
    }

    @Test
    void everythingOn() {
        Rendered r = Helm.HELM3.render("everything-on");
        Container backup = Rendered.main(r.cronJob("backup"));
        assertThat(Rendered.env(backup, "ETCD_OPS_STORE")).isEqualTo("s3://etcd-backups/prod-eu");
        assertThat(Rendered.env(backup, "ETCD_OPS_PART_SIZE_MIB")).isEqualTo("32");
        assertThat(Rendered.env(backup, "ETCD_OPS_UPLOAD_PARALLELISM")).isEqualTo("2");
        assertThat(Rendered.env(backup, "ETCD_OPS_CLUSTER_NAME")).isEqualTo("prod-eu");
        assertThat(Rendered.env(backup, "ETCD_OPS_COMPRESSION")).isEqualTo("gzip");
        assertThat(Rendered.env(backup, "ETCD_OPS_VERIFY")).isEqualTo("trailer");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_WITHIN")).isEqualTo("48h");
        assertThat(Rendered.env(backup, "ETCD_OPS_KEEP_MONTHLY")).isEqualTo("6");
        assertThat(Rendered.env(backup, "ETCD_OPS_PUSHGATEWAY_URL")).isEqualTo("http://pushgateway.monitoring.svc:9091");
        assertThat(Rendered.env(backup, "ETCD_OPS_LOG_LEVEL")).isEqualTo("debug");
        assertThat(Rendered.env(backup, "ETCDCTL_DIAL_TIMEOUT")).isEqualTo("3s");
        assertThat(Rendered.env(backup, "ETCDCTL_COMMAND_TIMEOUT")).isEqualTo("15s");
        assertThat(Rendered.envNames(backup)).endsWith("JAVA_TOOL_OPTIONS", "ETCD_OPS_MEMBER");
        assertThat(backup.getEnv().get(backup.getEnv().size() - 1).getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("etcd-ops-backup");
        assertThat(Rendered.pod(r.cronJob("backup")).getPriorityClassName()).isEqualTo("etcd-ops");
        assertThat(Rendered.pod(r.cronJob("backup")).getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("registry-creds");
        assertThat(r.cronJob("backup").getMetadata().getLabels()).containsEntry("team", "platform");

        Container restore = Rendered.main(r.cronJob("restore"));
        assertThat(restore.getArgs()).containsExactly("kubernetes", "--work-dir", "/etcd-ops/work",
                "--restore-service-account", "etcd-ops-restore", "--timeout", "45m");
        assertThat(Rendered.env(restore, "ETCD_OPS_BEFORE")).isEqualTo("2026-11-24T08:00:00Z");
        assertThat(Rendered.env(restore, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd");
        assertThat(Rendered.env(restore, "ETCD_OPS_NAMESPACE")).isEqualTo("etcd");
        assertThat(Rendered.env(restore, "ETCD_OPS_SERVICE")).isEqualTo("etcd");
        assertThat(Rendered.env(restore, "ETCD_OPS_RESTORE_IMAGE")).isEqualTo(restore.getImage());
        assertThat(Rendered.env(restore, "ETCD_OPS_FORCE")).isEqualTo("false");
        assertThat(Rendered.env(restore, "ETCD_OPS_ETCD_CONTAINER")).isEqualTo("etcd");
        assertThat(Rendered.env(restore, "ETCD_OPS_DATA_VOLUME")).isEqualTo("data");
        assertThat(Rendered.envNames(restore)).as("members are discovered from the StatefulSet").doesNotContain("ETCDCTL_ENDPOINTS")
                .contains("ETCDCTL_CACERT", "ETCD_OPS_PASSWORD_FILE");
        // the restore pods copy this container's env, not its volumes: the key goes as a value from the Secret
        assertThat(Rendered.envNames(restore)).doesNotContain("ETCD_OPS_ENCRYPTION_KEY_FILE");
        assertThat(restore.getEnv()).filteredOn(e -> e.getName().equals("ETCD_OPS_ENCRYPTION_KEY")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("etcd-backup-key"));

        Container upgrade = Rendered.main(r.cronJob("upgrade"));
        assertThat(upgrade.getArgs()).isEmpty();
        assertThat(Rendered.env(upgrade, "ETCD_OPS_TO_VERSION")).as("set per run").isEmpty();
        assertThat(Rendered.env(upgrade, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd");
        assertThat(Rendered.env(upgrade, "ETCD_OPS_SKIP_BACKUP")).isEqualTo("false");
        assertThat(Rendered.env(upgrade, "ETCD_OPS_REWRITE_FLAGS")).as("removed flags refuse unless asked").isEqualTo("false");
        assertThat(Rendered.env(upgrade, "ETCD_OPS_ENCRYPTION_KEY_FILE")).isEqualTo("/etcd-ops/encryption/key");
        assertThat(Rendered.env(upgrade, "ETCD_OPS_STORE")).isEqualTo("s3://etcd-backups/prod-eu");
        assertThat(volume(Rendered.pod(r.cronJob("upgrade")), "tmp").getEmptyDir().getSizeLimit().toString())
                .as("the pre-upgrade backup is verified in /tmp").isEqualTo("10Gi");

        PodSpec drill = Rendered.pod(r.cronJob("drill"));
        assertThat(drill.getInitContainers()).as("imageVolume: no copy step").isEmpty();
        assertThat(volume(drill, "etcd-image").getImage().getReference()).isEqualTo("quay.io/coreos/etcd:v3.6.16");
        assertThat(Rendered.main(r.cronJob("drill")).getArgs()).containsExactly("drill", "--etcdutl", "/etcd-image/usr/local/bin/etcdutl",
                "--etcd", "/etcd-image/usr/local/bin/etcd", "--work-dir", "/etcd-ops/work");

        Container health = Rendered.main(r.cronJob("health"));
        assertThat(Rendered.env(health, "ETCD_OPS_HEALTH_FAIL_ON")).isEqualTo("warning");
        assertThat(Rendered.env(health, "ETCD_OPS_QUOTA_BACKEND_BYTES")).isEqualTo("8GiB");
        assertThat(Rendered.env(health, "ETCD_OPS_FRAGMENTATION_RATIO")).isEqualTo("0.4");
        assertThat(Rendered.env(health, "ETCD_OPS_MAX_RAFT_LAG")).isEqualTo("500");
        assertThat(Rendered.env(health, "ETCD_OPS_WAL_FSYNC_WARN")).isEqualTo("250ms");
        assertThat(Rendered.env(health, "ETCD_OPS_LEADER_CHANGES_WARN")).isEqualTo("3");
        assertThat(Rendered.env(health, "ETCD_OPS_DEFRAG")).isEqualTo("true");
        assertThat(Rendered.envNames(health)).as("health reads manifests only: no key").doesNotContain("ETCD_OPS_ENCRYPTION_KEY_FILE");
        assertThat(Rendered.pod(r.cronJob("health")).getVolumes()).noneSatisfy(v -> assertThat(v.getName()).isEqualTo("encryption-key"));
        assertThat(Rendered.envNames(health)).as("unset thresholds keep the CLI's defaults")
                .doesNotContain("ETCD_OPS_QUOTA_WARN_RATIO", "ETCD_OPS_PEER_RTT_WARN", "ETCD_OPS_RECOVER_NOSPACE");

        Container replacer = Rendered.main(r.cronJob("replacer"));
        assertThat(replacer.getImage()).isEqualTo("ghcr.io/etcd-ops/member-replacer:" + Project.version());
        assertThat(Rendered.env(replacer, "ETCD_OPS_GRACE")).isEqualTo("10m");
        assertThat(Rendered.env(replacer, "ETCD_OPS_ETCD_CONTAINER")).isEqualTo("etcd");
        assertThat(Rendered.env(replacer, "ETCD_OPS_PUSHGATEWAY_URL")).isEqualTo("http://pushgateway.monitoring.svc:9091");
        assertThat(Rendered.env(replacer, "ETCD_OPS_NAMESPACE")).isEqualTo("etcd");
        assertThat(Rendered.env(replacer, "ETCD_OPS_SERVICE")).isEqualTo("etcd");
        assertThat(Rendered.env(replacer, "ETCD_OPS_PASSWORD_FILE")).isEqualTo("/etcd-ops/auth/password");
        assertThat(Rendered.env(replacer, "ETCDCTL_CACERT")).isEqualTo("/etcd-ops/tls/ca.crt");
        assertThat(upgrade.getImage()).isEqualTo("ghcr.io/etcd-ops/upgrader:" + Project.version());

        var rule = r.generic("PrometheusRule");
        assertThat(rule).singleElement().satisfies(p -> {
            assertThat(p.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
            String text = r.yaml().substring(r.yaml().indexOf("kind: PrometheusRule"));
            assertThat(text).contains("alert: EtcdOpsBackupTooOld", "etcd_ops_backup_last_success_timestamp_seconds{job=\"etcd-ops-backup\", cluster=\"prod-eu\"}",
                    "> 90000", "alert: EtcdOpsHealthCritical", "etcd_ops_health_status{job=\"etcd-ops-health\", cluster=\"prod-eu\"} >= 2",
                    "alert: EtcdOpsRestoreDrillFailing", "team: platform");
        });
    }

    /**
     * member-replacer as the chart runs it: the target StatefulSet (it discovers the members; no ETCDCTL_ENDPOINTS), the
     * grace period and timeouts, the seed image = its own image, no store, no --member from values (a scheduled
     * --member would replace that member on every run; NOTES sets it per run). Defaults: off, every 5 minutes, 5m grace.
     */
    @Test
    void replacerGetsItsOptionsFromValues() {
        assertThat(Helm.HELM3.render("minimal").find(CronJob.class, "etcd-ops-replacer")).as("off by default").isEmpty();
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("replacer.enabled", "true",
                "replacer.image.tag", "1.2.3", "target.namespace", "etcd-prod"));
        CronJob cron = r.cronJob("replacer");
        assertThat(cron.getSpec().getSchedule()).isEqualTo("*/5 * * * *");
        assertThat(cron.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isZero();
        Container c = Rendered.main(cron);
        assertThat(c.getArgs()).as("the scheduled run, no subcommand").isNullOrEmpty();
        assertThat(Rendered.env(c, "ETCD_OPS_STATEFULSET")).isEqualTo("etcd");
        assertThat(Rendered.env(c, "ETCD_OPS_NAMESPACE")).isEqualTo("etcd-prod");
        assertThat(Rendered.env(c, "ETCD_OPS_GRACE")).isEqualTo("5m");
        assertThat(Rendered.env(c, "ETCD_OPS_TIMEOUT")).isEqualTo("20m");
        assertThat(Rendered.env(c, "ETCD_OPS_PROMOTE_TIMEOUT")).isEqualTo("5m");
        assertThat(Rendered.env(c, "ETCD_OPS_IMAGE")).as("the seed pod runs the same build").isEqualTo(c.getImage())
                .isEqualTo("ghcr.io/etcd-ops/member-replacer:1.2.3");
        assertThat(Rendered.envNames(c)).doesNotContain("ETCDCTL_ENDPOINTS", "ETCD_OPS_MEMBER", "ETCD_OPS_DRY_RUN", "ETCD_OPS_STORE",
                "ETCD_OPS_PUSHGATEWAY_URL", "ETCD_OPS_SERVICE");
        assertThat(c.getEnvFrom()).isNullOrEmpty();
        assertThat(cron.getSpec().getJobTemplate().getSpec().getActiveDeadlineSeconds()).as("longer than one replacement (20m)")
                .isGreaterThan(20 * 60L);

        Rendered dry = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("replacer.enabled", "true",
                "replacer.dryRun", "true", "replacer.grace", "1h30m", "replacer.timeout", "30m", "replacer.promoteTimeout", "2m"));
        Container d = Rendered.main(dry.cronJob("replacer"));
        assertThat(Rendered.env(d, "ETCD_OPS_DRY_RUN")).isEqualTo("true");
        assertThat(Rendered.env(d, "ETCD_OPS_GRACE")).isEqualTo("1h30m");
        assertThat(Rendered.env(d, "ETCD_OPS_TIMEOUT")).isEqualTo("30m");
        assertThat(Rendered.env(d, "ETCD_OPS_PROMOTE_TIMEOUT")).isEqualTo("2m");
    }

    @Test
    void fileStoreOnASharedClaim() {
        Rendered r = Helm.HELM3.render("file-store");
        Container backup = Rendered.main(r.cronJob("backup"));
        assertThat(Rendered.env(backup, "ETCD_OPS_STORE")).isEqualTo("file:///var/backups/etcd");
        assertThat(backup.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/var/backups/etcd");
            assertThat(volume(Rendered.pod(r.cronJob("backup")), m.getName()).getPersistentVolumeClaim().getClaimName()).isEqualTo("etcd-backups");
        });
        Container restore = Rendered.main(r.cronJob("restore"));
        assertThat(restore.getArgs()).containsExactly("fetch", "--out", "/etcd-ops/restore/snapshot.db");
        assertThat(volume(Rendered.pod(r.cronJob("restore")), "restore").getPersistentVolumeClaim().getClaimName()).isEqualTo("etcd-restore");
        assertThat(restore.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/var/backups/etcd", "/etcd-ops/restore");
    }

    @Test
    void drillCopiesTheBinariesOfA34ImageWithEtcdctl() {
        Rendered r = Helm.HELM3.render(List.of(Project.valuesFile("minimal")), Map.of("drill.enabled", "true",
                "drill.etcdImage.repository", "docker.io/bitnami/etcd", "drill.etcdImage.tag", "3.4.23",
                "drill.etcdBinaries.sourceDir", "/opt/bitnami/etcd/bin", "drill.etcdBinaries.restoreTool", "etcdctl"));
        PodSpec pod = Rendered.pod(r.cronJob("drill"));
        Container init = pod.getInitContainers().get(0);
        assertThat(init.getCommand()).containsExactly("/bin/sh", "-c",
                "set -e\nfor b in etcd etcdctl; do cp \"$ETCD_BIN_DIR/$b\" /etcd-bin/; done\nls -l /etcd-bin\n");
        assertThat(Rendered.env(init, "ETCD_BIN_DIR")).isEqualTo("/opt/bitnami/etcd/bin");
        assertThat(Rendered.main(r.cronJob("drill")).getArgs()).containsExactly("drill", "--etcdutl", "/etcd-bin/etcdctl",
                "--etcd", "/etcd-bin/etcd", "--work-dir", "/etcd-ops/work");
        assertThat(volume(pod, "etcd-bin").getEmptyDir()).isNotNull();
        assertThat(Rendered.main(r.cronJob("drill")).getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("etcd-bin");
            assertThat(m.getReadOnly()).isTrue();
        });
    }
}
