package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.EtcdContainerSettings;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.runtime.JobException;
import io.etcdops.upgrade.MemberPods.MemberPod;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The checks before any member is touched; each failure is a refusal (exit 3) that says what is wrong: every member
 * a healthy voter on a Ready pod with one leader, no learners, no alarms, a quorum that survives one member restarting,
 * no rollout of the StatefulSet in progress, the members on one version (or on that version and the target, when a
 * stopped run is resumed or rolled back), an allowed version step ({@link UpgradePath}), no auth for 3.4 -> 3.5, no etcd
 * flags the target removed ({@link FlagChanges}, after {@link FlagRewrite} with {@code --rewrite-flags}); for a
 * downgrade across minors, etcd's own {@code downgrade validate}, and no other downgrade job enabled.
 */
final class PreFlight {
    private static final Logger LOG = LoggerFactory.getLogger(PreFlight.class);
    /**
     * Set on the StatefulSet when the upgrader took it from 3.5 to 3.6 (the members' WALs hold 3.5 entries until their
     * next raft snapshot), removed when it took it to 3.7.
     */
    static final String WAL_FROM_35 = "etcd-ops.io/wal-holds-3.5-entries";

    private final ClusterProbe probe;
    private final StatefulSetControl control;
    private final StatefulSetTarget target;

    PreFlight(ClusterProbe probe, StatefulSetControl control, StatefulSetTarget target) {
        this.probe = probe;
        this.control = control;
        this.target = target;
    }

    /**
     * @param explicitImage {@code --image} or null
     * @param resuming      a previous run of ours left the StatefulSet mid-upgrade (its rollout state is ours)
     * @param rewriteFlags  {@code --rewrite-flags}: check the container as {@link FlagRewrite} would leave it
     */
    UpgradePlan plan(EtcdVersion to, String explicitImage, boolean resuming, boolean rewriteFlags) {
        StatefulSet sts = control.statefulSet();
        String templateImage = control.templateImage(sts);
        String image = TargetImage.resolve(templateImage, explicitImage, to);
        ClusterView view = probe.view();
        MemberPods pods = probe.pods();

        if (!view.learners().isEmpty()) {
            throw JobException.refused("learner members present " + view.learners().stream().map(MemberInfo::label).toList()
                    + ": finish or undo the member change (promote or remove the learner) before upgrading");
        }
        List<MemberInfo> strangers = pods.unmatched(view.members());
        if (!strangers.isEmpty()) {
            throw JobException.refused("etcd members " + strangers.stream().map(m -> m.label() + " " + m.clientUrls()).toList()
                    + " run in no pod of StatefulSet " + where() + " (pods " + target.podNames() + "): etcd-ops only upgrades "
                    + "clusters whose every member is one of its pods");
        }
        if (view.members().size() != target.replicas()) {
            throw JobException.refused("StatefulSet " + where() + " has " + target.replicas() + " replicas but etcd has "
                    + view.members().size() + " members; settle membership first");
        }
        if (!view.alarms().isEmpty()) {
            throw JobException.refused("etcd alarms are active: " + view.alarms().stream()
                    .map(a -> a.type() + " on member " + a.memberIdHex()).toList() + "; resolve them (e.g. NOSPACE: compact, "
                    + "defragment, disarm) before upgrading");
        }
        List<String> unhealthy = unhealthy(view);
        if (!unhealthy.isEmpty()) {
            throw JobException.refused("not every member is healthy: " + String.join("; ", unhealthy));
        }
        if (!view.quorum().survivesLosing(1)) {
            throw JobException.refused("with " + view.quorum().healthyVoters() + " healthy of " + view.quorum().voters()
                    + " voting members, restarting one would lose quorum (writes stop); a rolling upgrade needs at least 3 members");
        }
        List<String> podProblems = podProblems();
        if (!podProblems.isEmpty()) {
            throw JobException.refused("pods of StatefulSet " + where() + " are not all Ready: " + String.join("; ", podProblems));
        }
        if (!resuming && "RollingUpdate".equals(StatefulSetControl.strategyType(sts)) && sts.getStatus() != null
                && sts.getStatus().getUpdateRevision() != null
                && !sts.getStatus().getUpdateRevision().equals(sts.getStatus().getCurrentRevision())) {
            throw JobException.refused("StatefulSet " + where() + " is rolling out a template change (revision "
                    + sts.getStatus().getCurrentRevision() + " -> " + sts.getStatus().getUpdateRevision() + "); wait for it to finish");
        }

        Map<Long, EtcdVersion> versions = new TreeMap<>();
        for (MemberStatus s : view.statuses()) {
            versions.put(s.member().id(), EtcdVersion.tryParse(s.version()).orElseThrow(() -> JobException.refused(
                    "member " + s.member().label() + " reports version '" + s.version() + "', which is not a version")));
        }
        TreeSet<EtcdVersion> others = versions.values().stream().filter(v -> !v.equals(to)).collect(Collectors.toCollection(TreeSet::new));
        if (others.size() > 1) {
            throw JobException.refused("members run several versions " + describeVersions(view, versions) + "; etcd-ops "
                    + "continues only a rollout it can finish: every member on one version, or on it and the target");
        }
        boolean mixed = !others.isEmpty() && versions.containsValue(to);
        EtcdVersion from = others.isEmpty() ? to : others.first();
        MemberStatus anyMember = view.statuses().get(0);
        Optional<EtcdVersion> clusterVersion = probe.clusterVersion(anyMember.endpoint());
        DowngradeProtocol protocol = new DowngradeProtocol(probe);
        Optional<String> downgrading = protocol.enabledTarget(view);
        UpgradePath.Kind kind = UpgradePath.classify(from, to, clusterVersion, mixed,
                downgrading.flatMap(EtcdVersion::tryParse).map(to::sameMinor).orElse(false));
        if (kind == UpgradePath.Kind.MINOR_UPGRADE) {
            UpgradePath.checkAuth(kind, from, to, probe.authEnabled(anyMember.endpoint()));
        }
        if (downgrading.isPresent() && kind != UpgradePath.Kind.MINOR_DOWNGRADE) {
            throw JobException.refused("etcd has a downgrade to " + downgrading.get() + " enabled (a stopped downgrade): "
                    + "resume it with --to-version of that minor, or cancel it first (etcdctl downgrade cancel) and re-run");
        }
        if (kind == UpgradePath.Kind.MINOR_DOWNGRADE) {
            protocol.validate(view, to);
        }
        List<String> walWarnings = new ArrayList<>();
        if (kind == UpgradePath.Kind.MINOR_UPGRADE && from.major() == 3 && from.minor() == 6) {
            var a = sts.getMetadata().getAnnotations();
            checkSnapshotSince36(view, versions, to, a != null && a.containsKey(WAL_FROM_35), walWarnings);
        }
        Container etcdContainer = sts.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(target.etcdContainer())).findFirst().orElseThrow();
        FlagRewrite.Result rewrite = null;
        Container checked = etcdContainer;
        if (rewriteFlags) {
            rewrite = FlagRewrite.rewrite(etcdContainer, to);
            checked = new ContainerBuilder(etcdContainer).withArgs(rewrite.args()).withEnv(rewrite.env()).build();
            rewrite.changes().forEach(c -> LOG.info("--rewrite-flags: {}", c));
        }
        FlagChanges.Findings flags = FlagChanges.check(EtcdContainerSettings.of(checked), from, to);
        if (!flags.problems().isEmpty()) {
            throw JobException.refused("the etcd container's settings do not work with etcd " + to + ": "
                    + String.join("; ", flags.problems()) + "; change them in the StatefulSet first"
                    + (rewriteFlags ? "" : " (or pass --rewrite-flags where it says so)"));
        }
        List<String> warnings = new ArrayList<>(flags.warnings());
        warnings.addAll(walWarnings);
        flags.warnings().forEach(w -> LOG.warn("{}", w));

        List<MemberPod> pending = new ArrayList<>();
        List<MemberPod> done = new ArrayList<>();
        MemberPod leader = null;
        for (MemberInfo m : view.members()) {
            MemberPod mp = pods.of(m).orElseThrow();
            if (m.id() == view.leaderId()) {
                leader = mp;
            }
            String podImage = control.pod(mp.pod()).map(control::podImage).orElse("");
            if (versions.get(m.id()).equals(to) && podImage.equals(image)) {
                done.add(mp);
            } else {
                pending.add(mp);
            }
        }
        long leaderId = view.leaderId();
        pending.sort(Comparator.comparing((MemberPod p) -> p.member().id() == leaderId).thenComparing(MemberPod::ordinal, Comparator.reverseOrder()));
        done.sort(Comparator.comparing(MemberPod::ordinal));
        return new UpgradePlan(from, to, kind, image, templateImage, clusterVersion, pending, done, leader, warnings,
                rewrite != null && rewrite.changed() ? rewrite : null);
    }

    /**
     * etcd 3.7.3 panics at start ("unmarshal should never fail (proto: cannot parse invalid wire-format data)") when the
     * WAL it replays still holds entries a 3.5 member wrote: seen here with real binaries, 3.5.36 -> 3.6.16 -> 3.7.3 with
     * no raft snapshot in between, even on one member; with one snapshot taken on 3.6 it starts. etcd replays the WAL
     * from its last raft snapshot, and a member restarted onto 3.6 by the upgrade has no snapshot newer than that until
     * it applied --snapshot-count entries (10000 by default). So every member still on 3.6 must have saved a snapshot
     * since its process started.
     */
    private void checkSnapshotSince36(ClusterView view, Map<Long, EtcdVersion> versions, EtcdVersion to, boolean cameFrom35,
                                      List<String> warnings) {
        List<String> none = new ArrayList<>();
        for (MemberInfo m : view.members()) {
            if (versions.get(m.id()).sameMinor(to)) {
                continue;
            }
            Optional<Long> n = probe.snapshotsSinceStart(m);
            if (n.isEmpty()) {
                LOG.warn("member {} does not say how many raft snapshots it saved (no /metrics on its client URL); cannot "
                        + "check that its WAL holds no 3.5-era entries", m.label());
            } else if (n.get() == 0) {
                none.add(m.label());
            }
        }
        if (!none.isEmpty() && !cameFrom35) {
            warnings.add("members " + none + " have not saved a raft snapshot since they started; if this cluster ran etcd 3.5 "
                    + "since their last snapshot, etcd " + to + " cannot read their WAL (see docs/upgrader.md)");
            return;
        }
        if (!none.isEmpty()) {
            throw JobException.refused("members " + none + " have not saved a raft snapshot since they started on 3.6: their WAL "
                    + "may still hold entries from 3.5, which etcd " + to + " cannot read (it panics at start: 'unmarshal should "
                    + "never fail'); wait until each has applied --snapshot-count entries (default 10000; etcd_snap_fsync_"
                    + "duration_seconds_count > 0 on its /metrics), then re-run");
        }
    }

    /** One line per member that is not a healthy voter following the common leader. */
    static List<String> unhealthy(ClusterView view) {
        List<String> out = new ArrayList<>();
        long leader = view.leaderId();
        if (leader == 0) {
            out.add("no member knows a leader");
        }
        for (MemberStatus s : view.statuses()) {
            String label = s.member().label();
            if (!s.reachable()) {
                out.add(label + " unreachable at " + s.endpoint() + " (" + s.error() + ")");
            } else if (!s.errors().isEmpty()) {
                out.add(label + " reports errors " + s.errors());
            } else if (s.leaderId() == 0) {
                out.add(label + " has no leader");
            } else if (leader != 0 && s.leaderId() != leader) {
                out.add(label + " follows " + Long.toHexString(s.leaderId()) + ", not the leader " + Long.toHexString(leader));
            }
        }
        return out;
    }

    private List<String> podProblems() {
        List<String> out = new ArrayList<>();
        for (String name : target.podNames()) {
            Optional<Pod> p = control.pod(name);
            if (p.isEmpty()) {
                out.add(name + " does not exist");
            } else if (!StatefulSetControl.ready(p.get())) {
                out.add(control.describe(p.get()));
            }
        }
        return out;
    }

    private static String describeVersions(ClusterView view, Map<Long, EtcdVersion> versions) {
        return view.members().stream().map(m -> m.label() + "=" + versions.get(m.id())).toList().toString();
    }

    private String where() {
        return target.namespace() + "/" + target.name();
    }
}
