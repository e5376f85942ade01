package io.etcdops.replacer;

import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.KubernetesEnvironment;
import io.etcdops.core.kube.StatefulSetTargetOptions;
import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.runtime.Pushgateway;
import io.etcdops.core.runtime.ToolVersion;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** member-replacer: replace a failed etcd member of a StatefulSet, safely, one at a time. */
@Command(name = "member-replacer", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class, sortOptions = false,
        description = {"Finds the member of an etcd StatefulSet that has been unhealthy (etcd unreachable or failing, pod not "
                + "Ready or crash-looping, CORRUPT alarm) continuously for longer than --grace, and replaces it: removes it, "
                + "wipes its volume, joins it again as a learner and promotes it once in sync. One member per run, under the "
                + "cluster Lease, only when quorum is safe. The first time a member is seen unhealthy is remembered on the "
                + "StatefulSet (annotation etcd-ops.io/unhealthy-since), so one bad probe never triggers a replacement. "
                + "An interrupted run is finished by the next one. See docs/member-replacer.md.",
                "The members are reached at the StatefulSet's per-pod client URLs (--endpoints is not used; see "
                        + "--target-endpoints); TLS and credentials come from the etcdctl options below."},
        subcommands = {WipeDataDirCommand.class},
        footer = {"%nEnvironment variables: every option above names its variable; etcd connection variables use etcdctl's "
                + "names (ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY, ETCDCTL_USER, ETCDCTL_PASSWORD).",
                "%nExit codes:", "  0  done: nothing to replace, still within the grace period, or a member was replaced",
                "  1  operation failed (etcd or the API unreachable, a wait timed out): rerun to continue",
                "  2  usage or configuration error",
                "  3  refused for safety: no quorum (restore instead: docs/runbooks/restore-after-quorum-loss.md), the removal "
                        + "would break quorum, a foreign learner exists, the StatefulSet is mid-rollout, or another "
                        + "etcd-ops operation holds the cluster Lease",
                "  4  not used"})
public final class MemberReplacer extends JobCommand {
    static final String DEFAULT_IMAGE_REPOSITORY = "ghcr.io/etcd-ops/member-replacer";

    @Mixin
    StatefulSetTargetOptions target;

    @Mixin
    EtcdConnectionOptions etcd;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_GRACE:-5m}",
            description = "Replace a member only after it has been unhealthy this long without a break (env ETCD_OPS_GRACE; "
                    + "default ${DEFAULT-VALUE}).")
    String grace;

    @Option(names = "--member", paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_MEMBER}",
            description = "Replace this member now (name, hex id or pod name), healthy or not, e.g. after a disk was "
                    + "found corrupt; the quorum checks still apply (env ETCD_OPS_MEMBER).")
    String member;

    @Option(names = "--dry-run", defaultValue = "${env:ETCD_OPS_DRY_RUN:-false}",
            description = "Print the decision and the exact plan; change nothing, not even the unhealthy-since annotation "
                    + "(env ETCD_OPS_DRY_RUN).")
    boolean dryRun;

    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = "${env:ETCD_OPS_IMAGE}",
            description = "This member-replacer image, run by the seed pod to wipe the member's volume (env ETCD_OPS_IMAGE; "
                    + "default: the image of this pod, else " + DEFAULT_IMAGE_REPOSITORY + ":<version>).")
    String image;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_TIMEOUT:-20m}",
            description = "Give up a replacement after this long; the next run continues it (env ETCD_OPS_TIMEOUT; default "
                    + "${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--promote-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCD_OPS_PROMOTE_TIMEOUT:-5m}",
            description = "How long to retry a promotion etcd refuses because the learner is not in sync yet (env "
                    + "ETCD_OPS_PROMOTE_TIMEOUT; default ${DEFAULT-VALUE}).")
    String promoteTimeout;

    @Option(names = "--pushgateway-url", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_PUSHGATEWAY_URL}",
            description = "Push etcd_ops_member_replacer_* metrics to this Prometheus Pushgateway (env ETCD_OPS_PUSHGATEWAY_URL).")
    String pushgatewayUrl;

    public MemberReplacer() {
        super("member-replacer");
    }

    public static void main(String[] args) {
        JobRunner.main(new MemberReplacer(), args);
    }

    @Override
    protected void run(JobReport report) {
        if (target.statefulSet == null || target.statefulSet.isBlank()) {
            throw JobException.usage("--statefulset is required (env ETCD_OPS_STATEFULSET)");
        }
        KubernetesEnvironment env = KubernetesEnvironment.current();
        Instant started = Instant.now();
        MemberReplacement.Outcome outcome = null;
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            String ns = target.namespace(client, env);
            ReplacerSettings settings = settings(ownImage(client, ns, env));
            try {
                outcome = new MemberReplacement(client, EndpointResolver.IDENTITY, settings, ns, target.statefulSet,
                        target.toOverrides(), env.identity(), StepListener.NONE).run(report);
                report.put("outcome", outcome.name().toLowerCase().replace('_', '-'));
            } finally {
                MemberReplacement.Outcome o = outcome;
                settings.pushgatewayUrl().ifPresent(url -> pushMetrics(url, ns, report, started, o));
            }
        }
    }

    ReplacerSettings settings(String defaultImage) {
        Duration g = Durations.parse(grace, "--grace");
        return new ReplacerSettings(etcd.toConfig(), g, Optional.ofNullable(member), dryRun,
                image == null || image.isBlank() ? defaultImage : image.trim(),
                Durations.parse(timeout, "--timeout"), Durations.parse(promoteTimeout, "--promote-timeout"),
                Optional.ofNullable(pushgatewayUrl));
    }

    /** The image of the pod this runs in (a Job's pod), so the seed runs the same build. */
    private String ownImage(KubernetesClient client, String ns, KubernetesEnvironment env) {
        String fallback = DEFAULT_IMAGE_REPOSITORY + ":" + ToolVersion.get();
        if (!env.inCluster()) {
            return fallback;
        }
        try {
            Pod self = client.pods().inNamespace(env.podNamespace().orElse(ns)).withName(env.identity()).get();
            return self == null ? fallback : self.getSpec().getContainers().get(0).getImage();
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    private void pushMetrics(String url, String ns, JobReport report, Instant started, MemberReplacement.Outcome outcome) {
        Map<String, Number> g = new LinkedHashMap<>();
        Object unhealthy = report.get("unhealthy");
        g.put("etcd_ops_member_replacer_unhealthy_members", unhealthy instanceof Map<?, ?> m ? m.size() : 0);
        boolean replaced = outcome == MemberReplacement.Outcome.REPLACED;
        g.put("etcd_ops_member_replacer_replaced", replaced ? 1 : 0);
        g.put("etcd_ops_member_replacer_last_run_timestamp_seconds", started.getEpochSecond());
        if (replaced) {
            g.put("etcd_ops_member_replacer_last_replacement_timestamp_seconds", Instant.now().getEpochSecond());
        }
        Pushgateway.push(url, "etcd-ops-member-replacer", Map.of("namespace", ns, "statefulset", target.statefulSet), g, false);
    }
}
