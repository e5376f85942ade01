package io.etcdops.replacer;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.Quorum;
import io.etcdops.core.kube.ClusterLease;
import io.etcdops.core.kube.KubernetesEvents;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Replaces one replica, every step checked against the cluster's real state first so a rerun continues where an
 * interrupted one stopped and never repeats a step blindly (docs/design.md invariant 6):
 * <ol>
 *   <li>hold the replica's pod ({@link PodHold}); remove its old member (if still listed, and only if quorum survives);
 *   delete the pod and wait until its containers stopped — the held pod object keeps the StatefulSet from starting a
 *   new one;</li>
 *   <li>seed: a pod on the replica's volume wipes it and joins as the new learner at its own address
 *   ({@link SeedPod}); once in sync the learner is promoted (retrying etcd's "not in sync");</li>
 *   <li>hand over: the seed is stopped (quorum permitting, as for any restart), the new member's peer URL becomes the
 *   replica's, the pod is released; the StatefulSet recreates it and its etcd restarts the member from the seeded
 *   volume, whatever its {@code --initial-cluster*} flags say;</li>
 *   <li>verify the cluster is whole.</li>
 * </ol>
 * The peer URL is changed only after the promotion: etcd up to at least 3.5.30 forgets that a member is a learner when
 * its peer URL is updated (etcd-io/etcd#21694), which leaves a learner that can no longer be promoted.
 *
 * <p>Step names, in order: {@code pod-held}, {@code member-removed}, {@code pod-stopped}, {@code learner-added},
 * {@code promoted}, {@code seed-stopped}, {@code peer-url-updated}, {@code pod-released}, {@code verified}.
 */
final class ReplicaRebuild {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRebuild.class);

    private final KubernetesClient client;
    private final StatefulSetTarget t;
    private final ReplacerSettings settings;
    private final ClusterProbe probe;
    private final EtcdMembership membership;
    private final KubernetesEvents events;
    private final ClusterLease.Held lease;
    private final StepListener listener;
    private final String identity;
    private final JobReport report;
    private final PodHold hold;
    private final ProgressRecord record;
    private final long deadline;
    private ProgressRecord.Progress progress;

    ReplicaRebuild(KubernetesClient client, StatefulSetTarget t, ReplacerSettings settings, EtcdSession session, ClusterProbe probe,
                   KubernetesEvents events, ClusterLease.Held lease, StepListener listener, String identity, JobReport report) {
        this.client = client;
        this.t = t;
        this.settings = settings;
        this.probe = probe;
        this.membership = new EtcdMembership(session);
        this.events = events;
        this.lease = lease;
        this.listener = listener;
        this.identity = identity;
        this.report = report;
        this.hold = new PodHold(client, t.namespace());
        this.record = ProgressRecord.of(client, t);
        this.deadline = System.nanoTime() + settings.timeout().toNanos();
    }

    void run(ReplacementPlanner.Decision d, Optional<ProgressRecord.Progress> prior) {
        int i = d.ordinal();
        String pod = t.podName(i);
        ClusterView view = probe.view();
        progress = prior.filter(p -> pod.equals(p.data().get(MemberReplacement.POD)))
                .orElseGet(() -> ProgressRecord.Progress.start(MemberReplacement.OPERATION, identity, identity).with(MemberReplacement.POD, pod));
        d.member().filter(m -> !m.learner()).ifPresent(m -> progress = progress.with(MemberReplacement.OLD_MEMBER_ID, m.idHex())
                .with(MemberReplacement.OLD_MEMBER_NAME, m.label()));
        URI replicaUrl = replicaPeerUrl(t, view, i, progress);
        progress = progress.with(MemberReplacement.REPLICA_PEER_URL, replicaUrl.toString());
        save("planned");
        RejoinMode mode = RejoinMode.of(t);
        report.put("rejoin", mode.name().toLowerCase().replace('_', '-'));
        events.normal("ReplacingMember", "replacing " + pod + (d.resume() ? " (resuming)" : "") + ": " + d.reason());
        LOG.info("replacing {} ({}), rejoin by {}: {}", pod, d.resume() ? "resuming" : "new", mode, d.reason());

        long id = mode == RejoinMode.SEED ? seedAndHandOver(i, replicaUrl) : rejoinByPodScripts(i);
        verifyWhole();
        report.put("new-member-id", Long.toHexString(id));
        record.clear();
        events.normal("MemberReplaced", pod + " replaced: new member " + Long.toHexString(id) + "; the cluster has "
                + t.replicas() + " healthy voting members");
        step("verified");
    }

    /** The seed flow; returns the new member's id once the replica's own pod runs it as a voting member. */
    private long seedAndHandOver(int i, URI replicaUrl) {
        String pod = t.podName(i);
        Optional<MemberInfo> fresh = newMember(i);
        if (fresh.isPresent() && fresh.get().learner() && !fresh.get().peerUrls().contains(replicaUrl)
                && seedPod(pod).filter(p -> p.getMetadata().getDeletionTimestamp() == null).isEmpty()) {
            // a learner whose seed pod is gone before it was promoted: its volume may hold anything; start over
            lease.ensureHeld();
            LOG.warn("learner {} lost its seed pod before it was promoted: removing it and seeding again", fresh.get().idHex());
            membership.remove(fresh.get());
            progress = progress.with(MemberReplacement.NEW_MEMBER_ID, "").with(MemberReplacement.SEED_PEER_URL, "");
            fresh = Optional.empty();
        }
        if (fresh.isEmpty()) {
            prepareVolume(i);
            fresh = Optional.of(addSeededLearner(i));
        }
        MemberInfo m = fresh.get();
        if (!m.peerUrls().contains(replicaUrl)) {
            if (m.learner()) {
                Pod seed = seedPod(pod).orElseThrow(() -> JobException.failed("seed pod " + SeedPod.name(pod) + " is gone; rerun to re-plan"));
                URI seedClient = URI.create(t.client().scheme() + "://" + seed.getStatus().getPodIP() + ":" + t.client().port());
                EtcdMembership.awaitCaughtUp("seed " + SeedPod.name(pod), () -> probe.statusAt(m, seedClient), this::leader, remaining());
                lease.ensureHeld();
                membership.promote(m.id(), min(settings.promoteTimeout(), remaining()));
                events.normal("MemberPromoted", "learner " + m.idHex() + " of " + pod + " promoted to a voting member (running in "
                        + SeedPod.name(pod) + ")");
                save("promoted");
                step("promoted");
            }
            ClusterView v = probe.view();
            if (!v.quorum().survivesLosing(1)) {
                throw JobException.refused("stopping seed pod " + SeedPod.name(pod) + " (new member " + m.idHex() + ") to hand it over "
                        + "to pod " + pod + " would leave fewer healthy voting members than quorum (" + v.quorum().healthyVoters()
                        + " healthy of " + v.quorum().voters() + "); it keeps running: rerun when the cluster is healthier");
            }
            deleteSeed(pod);
            save("seed-stopped");
            step("seed-stopped");
            lease.ensureHeld();
            membership.updatePeerUrl(m.id(), replicaUrl);
            save("peer-url-updated");
            step("peer-url-updated");
        }
        hold.get(pod).filter(PodHold::held).ifPresent(p -> {
            lease.ensureHeld();
            hold.release(pod);
            hold.awaitGone(pod, p.getMetadata().getUid(), remaining());
        });
        save("pod-released");
        step("pod-released");
        events.normal("MemberHandedOver", "pod " + pod + " recreated on its seeded volume runs member " + m.idHex());
        awaitMemberAtPod(m.id(), pod);
        membership.promote(m.id(), min(settings.promoteTimeout(), remaining()));
        return m.id();
    }

    /** Hold the pod, remove the old member, stop the pod: afterwards nothing runs on the replica's volume. */
    private void prepareVolume(int i) {
        String pod = t.podName(i);
        lease.ensureHeld();
        Pod held = hold.hold(pod, remaining());
        progress = progress.with(MemberReplacement.NODE, String.valueOf(held.getSpec().getNodeName()));
        save("pod-held");
        step("pod-held");
        removeOldMember(i);
        lease.ensureHeld();
        hold.stop(pod, remaining());
        events.normal("PodStopped", "pod " + pod + " stopped and held (finalizer " + PodHold.FINALIZER + ") while its volume is seeded");
        save("pod-stopped");
        step("pod-stopped");
    }

    private void removeOldMember(int i) {
        ClusterView view = probe.view();
        Optional<MemberInfo> old = MemberHealth.memberOf(t, view, i).filter(m -> !m.learner());
        if (old.isEmpty()) {
            return;
        }
        MemberInfo m = old.get();
        Optional<MemberStatus> s = view.status(m.id());
        boolean healthy = s.isPresent() && s.get().healthy() && s.get().leaderId() == view.leaderId();
        Quorum q = view.quorum();
        if (!q.survivesRemovingOne(healthy)) {
            throw JobException.refused("removing " + m.label() + " now would leave fewer healthy voting members than quorum ("
                    + q.healthyVoters() + " healthy of " + q.voters() + "); nothing removed; its pod stays held: rerun when the "
                    + "cluster is healthier");
        }
        lease.ensureHeld();
        membership.remove(m);
        progress = progress.with(MemberReplacement.OLD_MEMBER_ID, m.idHex()).with(MemberReplacement.OLD_MEMBER_NAME, m.label());
        events.normal("MemberRemoved", "removed member " + m.idHex() + " (" + m.label() + ") of pod " + t.podName(i));
        save("member-removed");
        step("member-removed");
    }

    private MemberInfo addSeededLearner(int i) {
        String pod = t.podName(i);
        Pod seed = seedPod(pod).filter(p -> p.getMetadata().getDeletionTimestamp() == null).orElse(null);
        if (seed == null) {
            seedPod(pod).ifPresent(old -> {
                client.pods().inNamespace(t.namespace()).withName(SeedPod.name(pod)).delete();
                hold.awaitGone(SeedPod.name(pod), old.getMetadata().getUid(), remaining());
            });
            String node = progress.data().get(MemberReplacement.NODE);
            List<MemberInfo> voters = probe.view().voters();
            lease.ensureHeld();
            seed = client.pods().inNamespace(t.namespace()).resource(SeedPod.build(t, i, voters,
                    "null".equals(node) ? null : node, settings.image())).create();
            LOG.info("created seed pod {} on claim(s) of {}", SeedPod.name(pod), pod);
        }
        String ip = awaitPodIp(SeedPod.name(pod));
        URI seedPeer = URI.create(t.peer().scheme() + "://" + ip + ":" + t.peer().port());
        progress = progress.with(MemberReplacement.SEED_PEER_URL, seedPeer.toString());
        save("seeding");
        lease.ensureHeld();
        long id = membership.addLearner(seedPeer);
        progress = progress.with(MemberReplacement.NEW_MEMBER_ID, Long.toHexString(id));
        events.normal("LearnerAdded", "added learner " + Long.toHexString(id) + " for " + pod + ", seeded by pod "
                + SeedPod.name(pod) + " at " + seedPeer);
        save("learner-added");
        step("learner-added");
        return membership.find(id).orElseThrow(() -> JobException.failed("learner " + Long.toHexString(id) + " vanished"));
    }

    /** For StatefulSets whose pod scripts rejoin by themselves: remove, wipe (claims and pod deleted), wait for the rejoin. */
    private long rejoinByPodScripts(int i) {
        String pod = t.podName(i);
        Optional<MemberInfo> current = MemberHealth.memberOf(t, probe.view(), i);
        boolean oldStillThere = current.isPresent() && current.get().idHex().equals(progress.data().get(MemberReplacement.OLD_MEMBER_ID));
        if (current.isEmpty() || oldStillThere) {
            removeOldMember(i);
            lease.ensureHeld();
            for (PersistentVolumeClaim vct : t.statefulSet().getSpec().getVolumeClaimTemplates()) {
                client.persistentVolumeClaims().inNamespace(t.namespace()).withName(vct.getMetadata().getName() + "-" + pod).delete();
            }
            client.pods().inNamespace(t.namespace()).withName(pod).delete();
            events.normal("VolumeWiped", "deleted pod " + pod + " and its claims; its scripts re-add the member");
            save("volume-wiped");
            step("volume-wiped");
        }
        MemberInfo back = awaitUntil("the pod scripts of " + pod + " to add its member back", () ->
                MemberHealth.memberOf(t, probe.view(), i).filter(MemberInfo::started));
        membership.promote(back.id(), min(settings.promoteTimeout(), remaining()));
        return back.id();
    }

    private void awaitMemberAtPod(long id, String pod) {
        MemberInfo started = awaitUntil("pod " + pod + " to run member " + Long.toHexString(id), () ->
                membership.find(id).filter(m -> pod.equals(m.name()) && !m.clientUrls().isEmpty() && probe.status(m).reachable()));
        EtcdMembership.awaitCaughtUp("member " + started.idHex() + " in pod " + pod, () -> probe.status(started), this::leader, remaining());
    }

    /** Every replica is a healthy voting member and its pod is Ready; no learner left. */
    private void verifyWhole() {
        awaitUntil("the cluster to be whole (" + t.replicas() + " healthy voting members, pods Ready, no learner)", () -> {
            ClusterView v = probe.view();
            Map<String, Pod> byName = new LinkedHashMap<>();
            for (String n : t.podNames()) {
                Pod p = client.pods().inNamespace(t.namespace()).withName(n).get();
                if (p != null) {
                    byName.put(n, p);
                }
            }
            boolean whole = v.learners().isEmpty() && v.voters().size() == t.replicas()
                    && MemberHealth.assess(t, v, byName).stream().allMatch(MemberHealth::healthy);
            return whole ? Optional.of(v) : Optional.empty();
        });
        LOG.info("verified: {} healthy voting members, pods Ready, no learner", t.replicas());
    }

    /**
     * The member this replacement added, if it did: by the id recorded right after the add, else by its peer URL — the
     * seed pod's address, or the seed URL recorded just before the add.
     */
    private Optional<MemberInfo> newMember(int i) {
        ClusterView v = probe.view();
        String recorded = progress.data().get(MemberReplacement.NEW_MEMBER_ID);
        if (recorded != null && !recorded.isEmpty()) {
            Optional<MemberInfo> byId = v.members().stream().filter(m -> m.idHex().equals(recorded)).findFirst();
            if (byId.isPresent()) {
                return byId;
            }
        }
        Map<String, Pod> seeds = new LinkedHashMap<>();
        seedPod(t.podName(i)).ifPresent(p -> seeds.put(t.podName(i), p));
        ReplacementPlanner.Observation o = new ReplacementPlanner.Observation(t, t.statefulSet(), v, List.of(), Map.of(), Map.of(),
                seeds, Optional.of(progress), java.time.Instant.now(), Duration.ZERO, Optional.empty());
        return v.members().stream().filter(m -> ReplacementPlanner.seedOrdinal(o, m).orElse(-1) == i).findFirst();
    }

    private Optional<Pod> seedPod(String pod) {
        return Optional.ofNullable(client.pods().inNamespace(t.namespace()).withName(SeedPod.name(pod)).get());
    }

    private void deleteSeed(String pod) {
        Optional<Pod> seed = seedPod(pod);
        if (seed.isEmpty()) {
            return;
        }
        lease.ensureHeld();
        client.pods().inNamespace(t.namespace()).withName(SeedPod.name(pod)).delete();
        hold.awaitGone(SeedPod.name(pod), seed.get().getMetadata().getUid(), remaining());
        LOG.info("seed pod {} stopped", SeedPod.name(pod));
    }

    private String awaitPodIp(String name) {
        Pod p = awaitUntil("pod " + name + " to get an address", () -> Optional.ofNullable(
                client.pods().inNamespace(t.namespace()).withName(name).get()).filter(x -> x.getStatus() != null
                && x.getStatus().getPodIP() != null && !x.getStatus().getPodIP().isBlank()));
        String ip = p.getStatus().getPodIP();
        if (ip.contains(":")) {
            throw JobException.failed("seed pod " + name + " got the IPv6 address " + ip + ": the seed step supports IPv4 pod "
                    + "addresses only (docs/member-replacer.md)");
        }
        return ip;
    }

    private Optional<MemberStatus> leader() {
        ClusterView v = probe.view();
        return v.leader();
    }

    private <T> T awaitUntil(String what, java.util.function.Supplier<Optional<T>> check) {
        while (true) {
            Optional<T> v = check.get();
            if (v.isPresent()) {
                return v.get();
            }
            PodHold.sleepUntil(deadline, what + " (--timeout " + Durations.format(settings.timeout()) + ")");
        }
    }

    private Duration remaining() {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw JobException.failed("--timeout " + Durations.format(settings.timeout()) + " reached; rerun to continue");
        }
        return Duration.ofNanos(left);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void save(String phase) {
        progress = record.write(progress.withPhase(phase).withCompleted(phase), identity);
    }

    private void step(String name) {
        listener.completed(name);
    }

    /**
     * The peer URL the replica's pod advertises: recorded, else its old member's, else a sibling's with the pod name
     * swapped (so it is spelled as the StatefulSet spells it), else the per-pod DNS name.
     */
    static URI replicaPeerUrl(StatefulSetTarget t, ClusterView view, int i, ProgressRecord.Progress progress) {
        String recorded = progress.data().get(MemberReplacement.REPLICA_PEER_URL);
        if (recorded != null) {
            return URI.create(recorded);
        }
        Optional<MemberInfo> own = MemberHealth.memberOf(t, view, i).filter(m -> !m.learner() && !m.peerUrls().isEmpty());
        if (own.isPresent()) {
            return own.get().peerUrls().get(0);
        }
        for (MemberInfo m : view.voters()) {
            OptionalInt j = MemberHealth.ordinalOf(t, m);
            if (j.isEmpty() || j.getAsInt() == i) {
                continue;
            }
            for (URI u : m.peerUrls()) {
                String sibling = t.podName(j.getAsInt());
                if (u.getHost() != null && (u.getHost().equals(sibling) || u.getHost().startsWith(sibling + "."))) {
                    return URI.create(u.toString().replaceFirst("://" + java.util.regex.Pattern.quote(sibling), "://" + t.podName(i)));
                }
            }
        }
        return t.peerUrl(i);
    }

    /** What a run would do for {@code d}, step by step, for --dry-run. */
    static List<String> plan(StatefulSetTarget t, ReplacementPlanner.Decision d, ReplacementPlanner.Observation o, ReplacerSettings s) {
        int i = d.ordinal();
        String pod = t.podName(i);
        URI replicaUrl = replicaPeerUrl(t, o.view(), i, o.progress().orElse(ProgressRecord.Progress.start("", "", "")));
        List<String> plan = new ArrayList<>();
        plan.add("take the cluster Lease etcd-ops-" + t.name());
        if (RejoinMode.of(t) == RejoinMode.POD_SCRIPTS) {
            d.member().ifPresent(m -> plan.add("remove member " + m.idHex() + " (" + m.label() + ")"));
            plan.add("delete the claims of " + pod + " and pod " + pod + "; the StatefulSet recreates them empty");
            plan.add("wait for the pod's own scripts to add its member back; promote it if it joined as a learner");
        } else {
            List<String> seedArgs = SeedPod.seedArgs(t, i, t.statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals(t.etcdContainer())).findFirst().orElseThrow().getArgs(), o.view().voters());
            plan.add("hold pod " + pod + " (add finalizer " + PodHold.FINALIZER + ")");
            d.member().filter(m -> !m.learner()).ifPresent(m -> plan.add("remove member " + m.idHex() + " (" + m.label() + ", peer URLs "
                    + m.peerUrls() + ")"));
            plan.add("delete pod " + pod + " and wait until its containers have stopped (the held pod object stays)");
            plan.add("create pod " + SeedPod.name(pod) + " on claim " + t.dataClaimName(i) + ": init container 'wipe' (" + s.image()
                    + ") empties " + t.data().dataDir() + "; container 'etcd' (" + t.image() + ") with " + String.join(" ", seedArgs));
            plan.add("member add --learner " + t.peer().scheme() + "://<" + SeedPod.name(pod) + " pod IP>:" + t.peer().port());
            plan.add("wait until the seed has caught up with the leader; promote the learner (retrying etcd's 'not in sync' for "
                    + "up to " + Durations.format(s.promoteTimeout()) + ")");
            plan.add("delete pod " + SeedPod.name(pod) + " (only if quorum survives one member down)");
            plan.add("member update <new member> --peer-urls=" + replicaUrl);
            plan.add("release pod " + pod + " (remove the finalizer): the StatefulSet recreates it and its etcd restarts the "
                    + "new member from the seeded volume");
        }
        plan.add("verify: " + t.replicas() + " healthy voting members, pods Ready, no learner");
        return plan;
    }
}
