package io.etcdops.upgrade;

import io.etcdops.core.cli.ClusterNameOption;
import io.etcdops.core.cli.EncryptionKeyOption;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEnvironment;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.StatefulSetTargetOptions;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.runtime.ToolVersion;
import io.etcdops.core.store.StoreCliOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * upgrader: quorum-gated rolling upgrade (or downgrade: a patch down, or a minor down with etcd's downgrade protocol) of
 * an etcd StatefulSet, one member at a time, leader last.
 */
@Command(name = "upgrader", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class, sortOptions = false,
        description = {"Upgrades the etcd of a StatefulSet member by member: pre-flight checks (healthy voters, no learners, "
                + "no alarms, one version, an allowed step: a patch change, one minor up, or one minor down from 3.6 on, no "
                + "known-bad release, the minimum patch before 3.6 (3.5.32) and 3.7 (3.6.11), no flags the target does not "
                + "know), a fresh verified backup to --store, then with the StatefulSet on OnDelete: followers "
                + "first, the leader last after moving leadership to an upgraded member; after each member it waits until the "
                + "pod is Ready, the member is healthy, reports the new version and has caught up, with no alarms and a "
                + "leader. On a failed gate it stops, touches no other member, and prints the commands to roll back or "
                + "resume. A re-run resumes (members already at the target are skipped).",
                "One minor down (3.7 -> 3.6, 3.6 -> 3.5) runs etcd's downgrade protocol first: downgrade validate, "
                + "downgrade enable, every member on the target storage version; then the members as above. A stop before "
                + "the first member changed cancels the downgrade; after that it stays enabled and a re-run resumes it.",
                "etcd is reached at the StatefulSet's per-pod client URLs (or --target-endpoints); --endpoints is not used."},
        footer = {"%nEnvironment variables: every option above names its variable; etcd TLS and credentials use etcdctl's "
                + "names (ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY, ETCDCTL_USER, ETCDCTL_PASSWORD).",
                "%nExit codes:", "  0  done (or nothing to do)", "  1  operation failed: the upgrade stopped safely; the report "
                + "has rollback-command and resume-command",
                "  2  usage or configuration error", "  3  refused for safety (a pre-flight check failed, or no backup; nothing was changed)",
                "  4  verification failed"})
public final class Upgrader extends JobCommand {
    private static final Logger LOG = LoggerFactory.getLogger(Upgrader.class);

    @Mixin
    StatefulSetTargetOptions targetOptions;

    @Option(names = "--to-version", paramLabel = "X.Y.Z", defaultValue = "${env:ETCD_OPS_TO_VERSION}",
            description = "The etcd version to run, e.g. 3.5.30 (env ETCD_OPS_TO_VERSION).")
    String toVersion;

    @Option(names = "--image", paramLabel = "REPOSITORY:TAG", defaultValue = "${env:ETCD_OPS_IMAGE}",
            description = "The etcd image of that version (env ETCD_OPS_IMAGE; default: the current image with the version "
                    + "in its tag replaced, when the tag is a plain version like v3.5.16 or 3.5.16-0).")
    String image;

    @Option(names = "--skip-backup", defaultValue = "${env:ETCD_OPS_SKIP_BACKUP:-false}",
            description = "Upgrade without taking a snapshot first (said loudly in the report) (env ETCD_OPS_SKIP_BACKUP).")
    boolean skipBackup;

    @Option(names = "--rewrite-flags", defaultValue = "${env:ETCD_OPS_REWRITE_FLAGS:-false}",
            description = "Rewrite the etcd container's args and ETCD_* env to the names the target minor knows, in the same "
                    + "template change as the image: up to 3.6/3.7 every --experimental-* flag 3.6 renamed or made a feature "
                    + "gate (--experimental-snapshot-catchup-entries -> --snapshot-catchup-entries, "
                    + "--experimental-initial-corrupt-check -> --feature-gates=InitialCorruptCheck=true, ...) and the dead "
                    + "--enable-v2=false / --proxy=off; down to 3.5 the reverse. Without it such flags refuse a 3.7 "
                    + "upgrade and a 3.5 downgrade (env ETCD_OPS_REWRITE_FLAGS).")
    boolean rewriteFlags;

    @Mixin
    StoreCliOptions store;

    @Mixin
    ClusterNameOption cluster;

    @Mixin
    EncryptionKeyOption encryption;

    @Mixin
    EtcdConnectionOptions etcd;

    @Option(names = "--member-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_MEMBER_TIMEOUT:-5m}",
            description = "Per member: from deleting its pod until every gate passed (env ETCD_OPS_MEMBER_TIMEOUT; default ${DEFAULT-VALUE}).")
    String memberTimeout;

    @Option(names = "--cluster-version-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_CLUSTER_VERSION_TIMEOUT:-2m}",
            description = "After the last member: how long the cluster version may take to reach the new minor "
                    + "(env ETCD_OPS_CLUSTER_VERSION_TIMEOUT; default ${DEFAULT-VALUE}).")
    String clusterVersionTimeout;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_LEASE_DURATION:-60s}",
            description = "The cluster lock Lease's duration: how long a crashed run blocks the next one "
                    + "(env ETCD_OPS_LEASE_DURATION; default ${DEFAULT-VALUE}).")
    String leaseDuration;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "Run the pre-flight checks (for a downgrade also etcd's downgrade validate) and print the plan (order, leader "
                    + "move, gates, flag rewrites, downgrade steps); change nothing (env ETCD_OPS_DRY_RUN).")
    boolean dryRun;

    private final KubernetesClient givenClient;
    private final EndpointResolver resolver;

    /** The image's entrypoint: Kubernetes from the environment (in-cluster ServiceAccount or KUBECONFIG), cluster DNS. */
    public Upgrader() {
        this(null, EndpointResolver.IDENTITY);
    }

    /** With a Kubernetes client and resolver at hand (tests: the simulation's client and {@code sim::resolve}). */
    public Upgrader(KubernetesClient client, EndpointResolver resolver) {
        super("upgrader");
        this.givenClient = client;
        this.resolver = resolver;
    }

    public static void main(String[] args) {
        JobRunner.main(new Upgrader(), args);
    }

    @Override
    protected void run(JobReport report) {
        UpgradeSettings settings = settings();
        KubernetesClient client = givenClient != null ? givenClient : new KubernetesClientBuilder().build();
        try {
            KubernetesEnvironment env = KubernetesEnvironment.current();
            StatefulSetTarget target = targetOptions.discover(client, env);
            LOG.info("target: {}", target.describe());
            if (!settings.etcd().endpoints().equals(java.util.List.of(java.net.URI.create("http://127.0.0.1:2379")))) {
                LOG.warn("--endpoints / ETCDCTL_ENDPOINTS ({}) is not used: every member is reached at its pod's client URL; "
                        + "set --target-endpoints to override those", settings.etcd().endpoints());
            }
            LOG.info("etcd: TLS {}, user {}, timeouts dial {} / command {}", settings.etcd().usesTls() ? "on" : "off",
                    settings.etcd().hasAuth() ? settings.etcd().user() : "-", settings.etcd().dialTimeout(),
                    settings.etcd().commandTimeout());
            new RollingUpgrade(settings, client, resolver, target, env.identity(), report).run();
        } finally {
            if (givenClient == null) {
                client.close();
            }
        }
    }

    UpgradeSettings settings() {
        if (toVersion == null || toVersion.isBlank()) {
            throw JobException.usage("--to-version is required (env ETCD_OPS_TO_VERSION), e.g. --to-version 3.5.30");
        }
        EtcdVersion to = EtcdVersion.tryParse(toVersion).orElseThrow(() ->
                JobException.usage("--to-version '" + toVersion + "' is not an etcd version like 3.5.30"));
        boolean hasStore = store.store != null && !store.store.isBlank();
        if (!skipBackup && !hasStore && !dryRun) {
            throw JobException.usage("--store is required for the pre-upgrade backup (env ETCD_OPS_STORE); or pass --skip-backup "
                    + "to upgrade without one");
        }
        Duration member = positive(memberTimeout, "--member-timeout");
        Duration clusterVersion = positive(clusterVersionTimeout, "--cluster-version-timeout");
        Duration lease = positive(leaseDuration, "--lease-duration");
        return new UpgradeSettings(to, image == null || image.isBlank() ? null : image.trim(), etcd.toConfig(),
                hasStore && !skipBackup ? store.location() : null, hasStore && !skipBackup ? store.options() : null, cluster.get(),
                hasStore && !skipBackup ? encryption.key() : null, skipBackup || (!hasStore && dryRun), dryRun, member,
                clusterVersion, lease, rewriteFlags);
    }

    private static Duration positive(String text, String option) {
        Duration d = Durations.parse(text, option);
        if (d.isZero() || d.isNegative()) {
            throw JobException.usage(option + " must be positive");
        }
        return d;
    }
}
