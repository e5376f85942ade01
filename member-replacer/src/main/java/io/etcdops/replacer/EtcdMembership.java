package io.etcdops.replacer;

import io.etcd.jetcd.cluster.Member;
import io.etcdops.core.etcd.Durations;
import io.etcdops.core.etcd.EtcdErrors;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The membership changes of a replacement, each bounded in time and turned into one clear line on failure. */
final class EtcdMembership {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdMembership.class);
    /** etcd's answer while a learner's log is behind the leader's (etcdserver.ErrLearnerNotReady). */
    static final String NOT_IN_SYNC = "can only promote a learner member which is in sync with leader";
    static final Duration UNHEALTHY_RETRY = Duration.ofSeconds(30);

    private final EtcdSession session;
    private final Duration timeout;

    EtcdMembership(EtcdSession session) {
        this.session = session;
        this.timeout = session.config().commandTimeout().plus(session.config().dialTimeout());
    }

    void remove(MemberInfo m) {
        session.await("member remove " + m.idHex(), () -> session.client().getClusterClient().removeMember(m.id()), timeout);
        LOG.info("removed member {} ({}) from the cluster", m.idHex(), m.label());
    }

    /**
     * Adds a learner with this peer URL and returns its id. etcd's strict reconfiguration check refuses any member add
     * ("unhealthy cluster") unless the leader has been connected to every voting member for the last 5 s: that is
     * retried for {@link #UNHEALTHY_RETRY}, then reported.
     */
    long addLearner(URI peerUrl) {
        long deadline = System.nanoTime() + UNHEALTHY_RETRY.toNanos();
        while (true) {
            try {
                Member m = session.await("member add --learner " + peerUrl,
                        () -> session.client().getClusterClient().addMember(List.of(peerUrl), true), timeout).getMember();
                LOG.info("added learner {} with peer URL {}", Long.toHexString(m.getId()), peerUrl);
                return m.getId();
            } catch (JobException e) {
                if (!e.getMessage().contains("unhealthy cluster") || System.nanoTime() > deadline) {
                    throw e.getMessage().contains("unhealthy cluster") ? JobException.failed(e.getMessage() + ": etcd adds "
                            + "no member while a voting member is unreachable (--strict-reconfig-check); bring it back or "
                            + "remove it, then rerun", e) : e;
                }
                LOG.info("etcd refuses the member add for now ({}); retrying", e.getMessage());
                sleep(2000);
            }
        }
    }

    void updatePeerUrl(long id, URI peerUrl) {
        session.await("member update " + Long.toHexString(id), () -> session.client().getClusterClient().updateMember(id, List.of(peerUrl)),
                timeout);
        LOG.info("member {} now has peer URL {}", Long.toHexString(id), peerUrl);
    }

    Optional<MemberInfo> find(long id) {
        return session.memberList().stream().filter(m -> m.id() == id).findFirst();
    }

    /**
     * Promotes the learner, retrying while etcd answers that it is not in sync with the leader, until {@code within}
     * has passed. Idempotent: a member that is already a voter counts as promoted. Fails (exit 1) if the learner never
     * catches up, leaving it a learner (never half-promoted: promotion is one raft change).
     */
    void promote(long id, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        int attempts = 0;
        String last = null;
        while (true) {
            Optional<MemberInfo> m = find(id);
            if (m.isEmpty()) {
                throw JobException.failed("learner " + Long.toHexString(id) + " is no longer in the member list; rerun to re-plan");
            }
            if (!m.get().learner()) {
                LOG.info("member {} is a voting member", Long.toHexString(id));
                return;
            }
            attempts++;
            try {
                session.client().getClusterClient().promoteMember(id).get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                LOG.info("promoted learner {} to a voting member (attempt {})", Long.toHexString(id), attempts);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw JobException.failed("promotion interrupted");
            } catch (Exception e) {
                last = EtcdErrors.describe(e);
                if (!last.contains(NOT_IN_SYNC) && !last.contains("timed out") && !last.contains("unavailable")) {
                    throw JobException.failed("promoting learner " + Long.toHexString(id) + " failed: " + last, e);
                }
                LOG.info("learner {} not ready for promotion yet ({}); retrying", Long.toHexString(id), last);
            }
            if (System.nanoTime() > deadline) {
                throw JobException.failed("learner " + Long.toHexString(id) + " did not catch up with the leader within "
                        + Durations.format(within) + " (" + attempts + " promotion attempts, last: " + last + "); it stays a "
                        + "learner: rerun to keep waiting, or see docs/runbooks/replace-a-member.md");
            }
            sleep(1000);
        }
    }

    /**
     * Waits until the member answering through {@code status} has applied at least what the leader had committed when
     * it first answered: it has the snapshot and the log up to then.
     */
    static void awaitCaughtUp(String what, Supplier<MemberStatus> status, Supplier<Optional<MemberStatus>> leader, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        long target = -1;
        String last = "not reachable yet";
        while (true) {
            MemberStatus s = status.get();
            if (s.reachable()) {
                if (target < 0) {
                    Optional<MemberStatus> l = leader.get();
                    if (l.isPresent()) {
                        target = l.get().raftIndex();
                        LOG.info("{} answers; waiting for it to apply the leader's index {}", what, target);
                    }
                }
                if (target >= 0 && s.raftAppliedIndex() >= target) {
                    LOG.info("{} caught up (applied index {} >= {})", what, s.raftAppliedIndex(), target);
                    return;
                }
                last = "applied index " + s.raftAppliedIndex() + (target >= 0 ? " of " + target : "");
            } else {
                last = s.error();
            }
            if (System.nanoTime() > deadline) {
                throw JobException.failed(what + " did not catch up within " + Durations.format(within) + " (" + last + ")");
            }
            sleep(500);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.failed("interrupted");
        }
    }
}
