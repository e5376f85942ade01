package io.etcdops.charts;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * values.schema.json rejects bad values before anything renders, and the templates refuse what the schema cannot
 * express; each with the error text Helm 3 and Helm 4 print (their validators word things differently).
 */
class ChartSchemaTest {

    private static void rejects(Helm helm, Map<String, String> sets, String expected) {
        Helm.Result r = helm.template(List.of(Project.valuesFile("minimal")), sets);
        assertThat(r.exitCode()).as("rejected: " + sets).isNotZero();
        assertThat(r.stderr()).contains(expected);
    }

    @ParameterizedTest(name = "Helm 3 rejects {0}={1}")
    @CsvSource(delimiter = '|', value = {
        "store.uri|ftp://backups/etcd|- store.uri: Does not match pattern",
        "store.uri|s3://|- store.uri: Does not match pattern",
        "backup.retention.keepLast|-1|- backup.retention.keepLast: Must be greater than or equal to 0",
        "backup.retention.keepDaily|-7|- backup.retention.keepDaily: Must be greater than or equal to 0",
        "backup.retention.keepWithin|two days|- backup.retention.keepWithin: Does not match pattern",
        "backup.compression|lz4|- backup.compression: backup.compression must be one of the following: \"zstd\", \"gzip\", \"none\"",
        "backup.verify|none|- backup.verify: backup.verify must be one of the following: \"full\", \"trailer\"",
        "target.replicas|three|- target.replicas: Invalid type. Expected: integer, given: string",
        "target.replicas|0|- target.replicas: Must be greater than or equal to 1",
        "target.statefulSet|Etcd_Main|- target.statefulSet: Does not match pattern",
        "target.clusterName|prod/eu|- target.clusterName: Does not match pattern",
        "backup.schedule|daily|- backup.schedule: Does not match pattern",
        "backup.successfulJobsHistoryLimit|-1|- backup.successfulJobsHistoryLimit: Must be greater than or equal to 0",
        "backup.activeDeadlineSeconds|0|- backup.activeDeadlineSeconds: Must be greater than or equal to 1",
        "backup.spool.sizeLimit|lots|- backup.spool.sizeLimit: Does not match pattern",
        "store.partSizeMib|4|- store.partSizeMib: Must be greater than or equal to 5",
        "store.s3.sse|aes|- store.s3.sse: store.s3.sse must be one of the following: \"none\", \"s3\", \"kms\"",
        "logFormat|xml|- logFormat: logFormat must be one of the following: \"plain\", \"json\"",
        "drill.etcdBinaries.method|download|- drill.etcdBinaries.method: drill.etcdBinaries.method must be one of the following",
        "health.thresholds.fragmentationRatio|1.5|- health.thresholds.fragmentationRatio: Must validate at least one schema (anyOf)",
        "restore.before|yesterday|- restore.before: Does not match pattern",
        "backup.enabled|yes|- backup.enabled: Invalid type. Expected: boolean, given: string",
        "backupp.enabled|true|- (root): Additional property backupp is not allowed",
        "backup.retention.keepYearly|1|- backup.retention: Additional property keepYearly is not allowed",
        "serviceAccount.annotations.x|true|- serviceAccount.annotations.x: Invalid type. Expected: string, given: boolean",
        "replacer.grace|-5m|- replacer.grace: Does not match pattern",
        "replacer.grace|five minutes|- replacer.grace: Does not match pattern",
        "replacer.grace|0s|- replacer.grace: Must not validate the schema (not)",
        "replacer.grace|0m0s|- replacer.grace: Must not validate the schema (not)",
        "replacer.grace|300|- replacer.grace: Invalid type. Expected: string, given: integer",
        "replacer.timeout|-1m|- replacer.timeout: Does not match pattern",
        "replacer.promoteTimeout|soon|- replacer.promoteTimeout: Does not match pattern",
        "replacer.dryRun|maybe|- replacer.dryRun: Invalid type. Expected: boolean, given: string",
        "replacer.discoveryOverrides.ETCD_OPS_GRACE|1s|- replacer.discoveryOverrides: Property name of \"ETCD_OPS_GRACE\" does not match",
        "replacer.member|etcd-1|- replacer: Additional property member is not allowed",
        "health.statefulSetTarget|yes|- health.statefulSetTarget: Invalid type. Expected: boolean, given: string",
    })
    void helm3Rejects(String key, String value, String expected) {
        rejects(Helm.HELM3, Map.of(key, value), expected);
    }

    @ParameterizedTest(name = "Helm 4 rejects {0}={1}")
    @CsvSource(delimiter = '|', value = {
        "store.uri|ftp://backups/etcd|- at '/store/uri': 'ftp://backups/etcd' does not match pattern",
        "backup.retention.keepLast|-1|- at '/backup/retention/keepLast': minimum: got -1, want 0",
        "backup.compression|lz4|- at '/backup/compression': value must be one of 'zstd', 'gzip', 'none'",
        "target.replicas|three|- at '/target/replicas': got string, want integer",
        "backup.schedule|daily|- at '/backup/schedule': 'daily' does not match pattern",
        "health.thresholds.fragmentationRatio|1.5|- at '/health/thresholds/fragmentationRatio': 'anyOf' failed",
        "backupp.enabled|true|- at '': additional properties 'backupp' not allowed",
        "replacer.grace|-5m|- at '/replacer/grace': '-5m' does not match pattern",
        "replacer.grace|0s|- at '/replacer/grace': 'not' failed",
    })
    void helm4Rejects(String key, String value, String expected) {
        rejects(Helm.HELM4, Map.of(key, value), expected);
    }

    @ParameterizedTest(name = "{0}: the templates refuse {1}")
    @CsvSource(delimiter = '|', value = {
        "HELM3|store.uri=|store.uri is required for the backup, restore and drill jobs",
        "HELM4|store.uri=|store.uri is required for the backup, restore and drill jobs",
        "HELM3|store.uri=file:///backups|store.file.claimName is required with a file:// store.uri",
        "HELM3|drill.enabled=true|drill.etcdImage.repository is required with drill.enabled",
        "HELM4|drill.enabled=true|drill.etcdImage.repository is required with drill.enabled",
        "HELM3|target.tls.enabled=true|target.tls.secretName is required with target.tls.enabled",
        "HELM3|target.auth.enabled=true|target.auth.secretName is required with target.auth.enabled",
        "HELM3|prometheusRule.enabled=true|prometheusRule.enabled needs pushgatewayUrl",
    })
    void templatesRefuse(Helm helm, String set, String expected) {
        String[] kv = set.split("=", 2);
        rejects(helm, Map.of(kv[0], kv[1]), expected);
    }

    @ParameterizedTest(name = "{0} accepts a float threshold given with --set (a string)")
    @CsvSource({"HELM3", "HELM4"})
    void acceptsSetStringsForNumbers(Helm helm) {
        Rendered r = helm.render(List.of(Project.valuesFile("minimal")), Map.of("health.enabled", "true",
                "health.thresholds.quotaWarnRatio", "0.7"));
        assertThat(Rendered.env(Rendered.main(r.cronJob("health")), "ETCD_OPS_QUOTA_WARN_RATIO")).isEqualTo("0.7");
    }
}
