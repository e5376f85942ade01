package io.etcdops.upgrade;

import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.upgrade.MemberPods.MemberPod;
import io.fabric8.kubernetes.api.model.Pod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Restarts one member by deleting its pod (under OnDelete it comes back from the current template) and holds the
 * rollout until every gate passes, in this order: the new pod is Ready on the expected image; the member answers,
 * reports no errors and follows the common leader; it reports the expected version; its applied index reached the
 * leader's commit index as it was when the member came back; no alarms; a leader present. A gate that cannot pass by
 * waiting (crash loop, wrong version, an alarm) fails at once; the others fail at the deadline.
 */
final class MemberRestart {
    private static final Logger LOG = LoggerFactory.getLogger(MemberRestart.class);
    private static final Duration POLL = Duration.ofMillis(300);

    /** A gate that did not pass; {@code memberUp} says whether the member itself is up and healthy. */
    static final class GateFailure extends Exception {
        private final String gate;
        private final boolean memberUp;

        GateFailure(String gate, String detail, boolean memberUp) {
            super("gate '" + gate + "' failed: " + detail);
            this.gate = gate;
            this.memberUp = memberUp;
        }

        String gate() {
            return gate;
        }

        boolean memberUp() {
            return memberUp;
        }
    }

    private final ClusterProbe probe;
    private final StatefulSetControl control;

    MemberRestart(ClusterProbe probe, StatefulSetControl control) {
        this.probe = probe;
        this.control = control;
    }

    /** Deletes the pod and waits for the gates; returns the timings for the report. */
    Map<String, Object> restart(MemberPod mp, EtcdVersion expectVersion, String expectImage, Duration timeout) throws GateFailure {
        String oldUid = control.pod(mp.pod()).map(p -> p.getMetadata().getUid()).orElse("");
        Instant deleted = Instant.now();
        LOG.info("deleting pod {} (member {}) to restart it on {}", mp.pod(), mp.member().label(), expectImage);
        control.deletePod(mp.pod());
        Instant deadline = deleted.plus(timeout);
        Instant ready = awaitPodReady(mp, oldUid, expectImage, deadline);
        LOG.info("pod {} is Ready after {}s; waiting for member {} to be healthy and caught up", mp.pod(), seconds(deleted, ready),
                mp.member().label());
        Instant healthy = awaitMember(mp, expectVersion, deadline, timeout);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deleted-at", deleted.toString());
        m.put("pod-ready-seconds", seconds(deleted, ready));
        m.put("healthy-seconds", seconds(deleted, healthy));
        return m;
    }

    /** Waits until the pod is gone and back Ready on the expected image; fails early on a crash loop or pull error. */
    Instant awaitPodReady(MemberPod mp, String oldUid, String expectImage, Instant deadline) throws GateFailure {
        String last = "the old pod is still terminating";
        while (Instant.now().isBefore(deadline)) {
            Optional<Pod> p = control.pod(mp.pod());
            if (p.isPresent() && !p.get().getMetadata().getUid().equals(oldUid)) {
                Pod pod = p.get();
                String image = control.podImage(pod);
                if (!image.equals(expectImage)) {
                    throw new GateFailure("pod Ready", "pod " + mp.pod() + " came back with image " + image + ", not "
                            + expectImage + " (was the StatefulSet template changed meanwhile?)", false);
                }
                Optional<String> stuck = control.stuck(pod);
                if (stuck.isPresent()) {
                    throw new GateFailure("pod Ready", "pod " + mp.pod() + " on " + image + " does not start: " + stuck.get(), false);
                }
                if (StatefulSetControl.ready(pod)) {
                    return Instant.now();
                }
                last = control.describe(pod);
            } else if (p.isEmpty()) {
                last = "pod " + mp.pod() + " not recreated yet";
            }
            sleep();
        }
        throw new GateFailure("pod Ready", "not Ready before the deadline: " + last, false);
    }

    /** The member gates; returns when all pass. */
    Instant awaitMember(MemberPod mp, EtcdVersion expectVersion, Instant deadline, Duration timeout) throws GateFailure {
        long caughtUpTarget = -1;
        String lastGate = "member healthy";
        String last = "not checked yet";
        boolean memberUp = false;
        while (Instant.now().isBefore(deadline)) {
            Optional<Pod> pod = control.pod(mp.pod());
            Optional<String> stuck = pod.flatMap(control::stuck);
            if (stuck.isPresent()) {
                throw new GateFailure("member healthy", "pod " + mp.pod() + " stopped running: " + stuck.get(), false);
            }
            ClusterView view = probe.view();
            MemberStatus s = view.status(mp.member().id()).orElse(null);
            long leader = view.leaderId();
            if (s == null) {
                throw new GateFailure("member healthy", "member " + mp.member().label() + " is no longer in the member list", false);
            }
            memberUp = s.reachable() && s.errors().isEmpty() && s.leaderId() != 0;
            if (!s.reachable()) {
                lastGate = "member healthy";
                last = "unreachable: " + s.error();
            } else if (!s.errors().isEmpty()) {
                lastGate = "member healthy";
                last = "reports errors " + s.errors();
            } else if (leader == 0 || s.leaderId() != leader) {
                lastGate = "leader present";
                last = leader == 0 ? "no leader in the cluster" : "follows " + Long.toHexString(s.leaderId()) + ", the cluster "
                        + Long.toHexString(leader);
            } else if (!expectVersion.toString().equals(s.version())) {
                throw new GateFailure("new version reported", "member " + mp.member().label() + " runs " + s.version() + ", not "
                        + expectVersion + " (does the image carry the version its tag says?)", true);
            } else if (!view.alarms().isEmpty()) {
                throw new GateFailure("no alarms", "alarms " + view.alarms().stream().map(a -> a.type() + "@" + a.memberIdHex())
                        .toList() + " appeared", true);
            } else {
                if (caughtUpTarget < 0) {
                    caughtUpTarget = view.leader().map(MemberStatus::raftIndex).orElse(Long.MAX_VALUE);
                }
                if (s.raftAppliedIndex() >= caughtUpTarget) {
                    return Instant.now();
                }
                lastGate = "applied index caught up";
                last = "applied index " + s.raftAppliedIndex() + " < leader's commit index " + caughtUpTarget;
            }
            sleep();
        }
        throw new GateFailure(lastGate, "member " + mp.member().label() + " did not pass within " + timeout.toSeconds() + "s: "
                + last, memberUp);
    }

    static double seconds(Instant from, Instant to) {
        return Math.round(Duration.between(from, to).toMillis() / 10.0) / 100.0;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
