package io.etcdops.health;

import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEnvironment;
import io.etcdops.core.kube.StatefulSetTargetOptions;
import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.runtime.ReportingCommand;
import io.etcdops.core.runtime.ToolVersion;
import io.etcdops.core.snapshot.SnapshotNames;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.health.action.DefragPolicy;
import io.etcdops.health.action.NoClusterLock;
import io.etcdops.health.kube.TargetStatefulSet;
import io.etcdops.health.metrics.MetricsTargets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** health-checker: one run tells whether the etcd cluster is healthy, why not, and can fix the safe things. */
@Command(name = "health-checker", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class, sortOptions = false,
        description = {"Checks every member (reachable, version, db size and fragmentation, leader/learner, raft progress, "
                + "alarms, etcd-mixin latency signals from /metrics) and the cluster (leader, quorum margin, uniform "
                + "versions, quota use, HashKV consistency, age of the newest backup); prints a table (or JSON) of findings "
                + "with what to do. Opt-in actions: --defrag and --recover-nospace, one member at a time, leader last, "
                + "under the quorum guard, each with --dry-run.",
                "Target: --endpoints (etcd on VMs or reachable client URLs), or --statefulset NAME: the members are then "
                        + "reached at the StatefulSet's per-pod client URLs (--endpoints is not used; see --target-endpoints), "
                        + "etcd's member list is compared with the StatefulSet (missing members, zombie members no pod runs, "
                        + "stuck or unpromoted learners, pods not Ready or crash-looping), warnings and criticals and what the "
                        + "actions did become Kubernetes Events on the StatefulSet, and the actions run under the cluster Lease "
                        + "etcd-ops-<statefulset> (read-only checks never take it). See docs/health-checker.md."},
        footer = {"%nEnvironment variables: every option above names its variable; etcd connection variables use etcdctl's "
                + "names (ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY, ETCDCTL_USER, ETCDCTL_PASSWORD).",
                "%nExit codes:", "  0  healthy (warnings too, unless --fail-on warning); actions done or not needed",
                "  1  critical finding (or a warning with --fail-on warning), no endpoint reachable, or an action failed",
                "  2  usage or configuration error",
                "  3  an action was refused for safety (member unhealthy, quorum at risk, CORRUPT alarm, another etcd-ops operation "
                        + "holds the cluster Lease) and nothing else is critical"})
public final class HealthChecker implements Callable<Integer>, ReportingCommand {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    @Mixin
    StatefulSetTargetOptions target;

    @Mixin
    EtcdConnectionOptions etcd;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "${env:ETCD_OPS_HEALTH_FORMAT:-table}",
            description = "table: human table then the JSON summary line; json: one JSON line with every member, check and "
                    + "finding (env ETCD_OPS_HEALTH_FORMAT; default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--fail-on", paramLabel = "critical|warning", defaultValue = "${env:ETCD_OPS_HEALTH_FAIL_ON:-critical}",
            description = "Exit 1 on findings of this severity or worse (env ETCD_OPS_HEALTH_FAIL_ON; default ${DEFAULT-VALUE}).")
    String failOn;

    @Option(names = "--quota-backend-bytes", paramLabel = "SIZE", defaultValue = "${env:ETCD_OPS_QUOTA_BACKEND_BYTES}",
            description = "The members' --quota-backend-bytes, e.g. 8GiB. etcd's API does not expose it: default is the "
                    + "etcd_server_quota_backend_bytes metric when /metrics is readable, else etcd's default 2 GiB "
                    + "(env ETCD_OPS_QUOTA_BACKEND_BYTES).")
    String quota;

    @Option(names = "--metrics", paramLabel = "auto|off", defaultValue = "${env:ETCD_OPS_HEALTH_METRICS:-auto}",
            description = "Read each member's /metrics for the etcd-mixin signals (env ETCD_OPS_HEALTH_METRICS; default ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--metrics-urls", paramLabel = "[NAME=]URL,...", defaultValue = "${env:ETCD_OPS_METRICS_URLS}",
            description = "Metrics URLs when not the client URLs, e.g. m0=http://10.0.0.1:2381/metrics; a plain URL is "
                    + "matched to the member on the same host (env ETCD_OPS_METRICS_URLS).")
    String metricsUrls;

    @Option(names = "--metrics-window", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_METRICS_WINDOW:-10s}",
            description = "Scrape twice this far apart and judge the latencies seen in between (like rate()); 0 = one "
                    + "scrape, counts since the member started (env ETCD_OPS_METRICS_WINDOW; default ${DEFAULT-VALUE}).")
    String metricsWindow;

    @Option(names = "--hashkv", negatable = true, defaultValue = "${env:ETCD_OPS_HASHKV:-true}", fallbackValue = "true",
            description = "Compare the members' HashKV at a common revision; reads every member's key history "
                    + "(--no-hashkv to skip; env ETCD_OPS_HASHKV; default ${DEFAULT-VALUE}).")
    boolean hashKv;

    @Option(names = "--store", paramLabel = "URI", defaultValue = "${env:ETCD_OPS_STORE}",
            description = "A file:///path snapshot store (e.g. a mounted PVC): the age of its newest committed backup is "
                    + "checked (env ETCD_OPS_STORE). This image carries no cloud SDK: for s3://, gs:// and azblob:// run "
                    + "backup-job list --max-age, as the chart does beside this check.")
    String store;

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_CLUSTER_NAME:-etcd}",
            description = "Cluster name in the store layout, for the backup age (env ETCD_OPS_CLUSTER_NAME; default ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--backup-max-age", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_BACKUP_MAX_AGE:-25h}",
            description = "With --store: newest committed backup older than this is a warning, twice as old critical "
                    + "(env ETCD_OPS_BACKUP_MAX_AGE; default ${DEFAULT-VALUE}).")
    String backupMaxAge;

    @Mixin
    ThresholdOptions thresholdOptions;

    @Option(names = "--defrag", defaultValue = "${env:ETCD_OPS_DEFRAG:-false}",
            description = "Defragment members whose db is fragmented (in-use/total below --fragmentation-ratio and file "
                    + "above --fragmentation-min-size): followers one at a time, the leader last, never while a member "
                    + "is unhealthy (env ETCD_OPS_DEFRAG).")
    boolean defrag;

    @Option(names = "--recover-nospace", defaultValue = "${env:ETCD_OPS_RECOVER_NOSPACE:-false}",
            description = "On a NOSPACE alarm: compact to the current revision, defragment every member as --defrag does, "
                    + "then disarm NOSPACE (never CORRUPT) (env ETCD_OPS_RECOVER_NOSPACE).")
    boolean recoverNospace;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "With --defrag / --recover-nospace: print the plan (order, deadlines) and change nothing (env ETCD_OPS_DRY_RUN).")
    boolean dryRun;

    @Option(names = "--defrag-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_DEFRAG_TIMEOUT:-30s}",
            description = "Per-member defrag deadline: this plus --defrag-timeout-per-gib for each GiB of the member's db "
                    + "(env ETCD_OPS_DEFRAG_TIMEOUT; default ${DEFAULT-VALUE}).")
    String defragTimeout;

    @Option(names = "--defrag-timeout-per-gib", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_DEFRAG_TIMEOUT_PER_GIB:-20s}",
            description = "See --defrag-timeout (env ETCD_OPS_DEFRAG_TIMEOUT_PER_GIB; default ${DEFAULT-VALUE}).")
    String defragTimeoutPerGib;

    @Option(names = "--member-ready-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_MEMBER_READY_TIMEOUT:-60s}",
            description = "After a member's defrag, how long it may take to serve again and catch up before the run stops "
                    + "(env ETCD_OPS_MEMBER_READY_TIMEOUT; default ${DEFAULT-VALUE}).")
    String memberReadyTimeout;

    @Option(names = "--pushgateway-url", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_PUSHGATEWAY_URL}",
            description = "Push etcd_ops_health_* gauges to this Prometheus Pushgateway (env ETCD_OPS_PUSHGATEWAY_URL).")
    String pushgatewayUrl;

    @Mixin
    CommonOptions common;

    private final JobReport report = new JobReport("health-checker");
    private final KubernetesClient givenClient;
    private final EndpointResolver resolver;

    /** The image's entrypoint: Kubernetes from the environment (in-cluster ServiceAccount or KUBECONFIG), cluster DNS. */
    public HealthChecker() {
        this(null, EndpointResolver.IDENTITY);
    }

    /** With a Kubernetes client and resolver at hand (tests: the simulation's client and {@code sim::resolve}). */
    public HealthChecker(KubernetesClient client, EndpointResolver resolver) {
        this.givenClient = client;
        this.resolver = resolver;
    }

    public static void main(String[] args) {
        JobRunner.main(new HealthChecker(), args);
    }

    @Override
    public Integer call() {
        HealthSettings settings = settings();
        KubernetesEnvironment env = KubernetesEnvironment.current();
        if (target.statefulSet == null || target.statefulSet.isBlank()) {
            if (settings.anyAction() && !settings.dryRun() && env.inCluster()) {
                LOG.warn("no --statefulset: the actions run without the cluster Lease; name the StatefulSet (ETCD_OPS_STATEFULSET) "
                        + "so they cannot overlap another etcd-ops operation");
            }
            return new HealthRun(settings, report, new NoClusterLock(), common.out()).run().code();
        }
        KubernetesClient client = givenClient != null ? givenClient : new KubernetesClientBuilder().build();
        try {
            TargetStatefulSet sts = new TargetStatefulSet(client, resolver, target.namespace(client, env), target.statefulSet.strip(),
                    target.toOverrides(), env.identity());
            LOG.info("target: {}", sts.target().describe());
            if (!settings.connection().endpoints().equals(List.of(URI.create("http://127.0.0.1:2379")))) {
                LOG.warn("--endpoints / ETCDCTL_ENDPOINTS ({}) is not used with --statefulset: every member is reached at its pod's "
                        + "client URL; set --target-endpoints to override those", settings.connection().endpoints());
            }
            HealthSettings onPods = settings.withConnection(settings.connection().withEndpoints(sts.endpoints()));
            return new HealthRun(onPods, report, sts.lock(), common.out(), sts).run().code();
        } finally {
            if (givenClient == null) {
                client.close();
            }
        }
    }

    HealthSettings settings() {
        String fmt = lower(format);
        if (!fmt.equals("table") && !fmt.equals("json")) {
            throw JobException.usage("--format must be table or json, not '" + format + "'");
        }
        Severity fail = switch (lower(failOn)) {
            case "critical" -> Severity.CRITICAL;
            case "warning" -> Severity.WARNING;
            default -> throw JobException.usage("--fail-on must be critical or warning, not '" + failOn + "'");
        };
        String m = lower(metrics);
        if (!m.equals("auto") && !m.equals("off")) {
            throw JobException.usage("--metrics must be auto or off, not '" + metrics + "'");
        }
        if (dryRun && !defrag && !recoverNospace) {
            throw JobException.usage("--dry-run only applies to --defrag or --recover-nospace");
        }
        Thresholds t = thresholdOptions.toThresholds(Durations.parse(backupMaxAge, "--backup-max-age"));
        DefragPolicy policy = new DefragPolicy(t, Durations.parse(defragTimeout, "--defrag-timeout"),
                Durations.parse(defragTimeoutPerGib, "--defrag-timeout-per-gib"),
                Durations.parse(memberReadyTimeout, "--member-ready-timeout"), Duration.ofMillis(250));
        StoreLocation location = blank(store) == null ? null : StoreLocation.parse(store.strip());
        if (location != null && !"file".equals(location.scheme())) {
            throw JobException.usage("--store " + location.uri() + ": health-checker checks file:// stores only (its image carries "
                    + "no cloud SDK); check this store with: backup-job list --store " + location.uri() + " --max-age " + backupMaxAge);
        }
        return new HealthSettings(etcd.toConfig(), fmt, fail, t,
                blank(quota) == null ? null : ByteSizes.parse(quota, "--quota-backend-bytes"),
                m.equals("auto"), MetricsTargets.parse(metricsUrls), Durations.parse(metricsWindow, "--metrics-window"), hashKv,
                location,
                SnapshotNames.validateCluster(clusterName), defrag, recoverNospace, dryRun, policy, blank(pushgatewayUrl),
                common.outputDir);
    }

    private static String lower(String s) {
        return s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public JobReport report() {
        return report;
    }

    @Override
    public CommonOptions common() {
        return common;
    }
}
