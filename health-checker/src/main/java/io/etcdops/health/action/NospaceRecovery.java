package io.etcdops.health.action;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Recovers from a NOSPACE alarm the way etcd's maintenance guide says: compact the key history to the current
 * revision, defragment every member ({@link SafeDefrag}: one at a time, leader last, quorum guard), then disarm
 * NOSPACE — only NOSPACE, never CORRUPT — and check that every CORRUPT alarm (one raised while we worked) is
 * still there afterwards.
 * Refuses when a CORRUPT alarm is active (etcd rejects the compaction then, and the data needs a human), and does
 * not disarm when the db is still above the known quota (the alarm would only come back).
 */
public final class NospaceRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(NospaceRecovery.class);

    private final ClusterMaintenance etcd;
    private final SafeDefrag defrag;

    public NospaceRecovery(ClusterMaintenance etcd, SafeDefrag defrag) {
        this.etcd = etcd;
        this.defrag = defrag;
    }

    /** @param quotaBytes the quota if known (option or metrics), else null: then the size check is skipped */
    public ActionResult run(boolean dryRun, Long quotaBytes) {
        List<Alarm> alarms = etcd.alarms();
        List<Alarm> nospace = alarms.stream().filter(a -> a.type().equals("NOSPACE")).toList();
        List<Alarm> corrupt = alarms.stream().filter(a -> a.type().equals("CORRUPT")).toList();
        if (nospace.isEmpty()) {
            return ActionResult.of("recover-nospace", ActionResult.NOTHING, "no NOSPACE alarm is active", List.of())
                    .withNospace(null, List.of(), texts(alarms));
        }
        if (!corrupt.isEmpty()) {
            return ActionResult.of("recover-nospace", ActionResult.REFUSED, "a CORRUPT alarm is active (" + texts(corrupt)
                    + "); NOSPACE recovery would not make etcd writable and the divergent member needs a human first", List.of())
                    .withNospace(null, List.of(), texts(alarms));
        }
        long revision = etcd.currentRevision();
        if (dryRun) {
            ActionResult plan = defrag.run(SafeDefrag.Selection.ALL, true);
            return plan.as("recover-nospace", ActionResult.DRY_RUN, "would compact to revision " + revision
                    + ", defragment every member (" + plan.reason() + "), then disarm NOSPACE of " + ids(nospace))
                    .withNospace(revision, List.of(), texts(alarms));
        }
        // the quorum guard runs inside SafeDefrag before every member; compaction itself needs quorum, so check it first
        String refusal = defrag.plan(SafeDefrag.Selection.ALL).refusal();
        if (refusal != null) {
            return ActionResult.of("recover-nospace", ActionResult.REFUSED, refusal, List.of())
                    .withNospace(null, List.of(), texts(alarms));
        }
        LOG.info("NOSPACE recovery: compacting to revision {}", revision);
        etcd.compact(revision);
        ActionResult d = defrag.run(SafeDefrag.Selection.ALL, false);
        if (!d.outcome().equals(ActionResult.DONE)) {
            return d.as("recover-nospace", d.outcome(), "compacted to " + revision + ", then defragmentation " + d.outcome()
                    + ": " + d.reason() + "; NOSPACE left armed").withNospace(revision, List.of(), texts(etcd.alarms()));
        }
        if (quotaBytes != null) {
            ClusterView after = etcd.view();
            for (MemberStatus s : after.statuses()) {
                if (s.reachable() && s.dbSize() >= quotaBytes) {
                    return d.as("recover-nospace", ActionResult.FAILED, s.member().label() + "'s db is still " + s.dbSize()
                            + " bytes after compaction and defragmentation, at or above the quota " + quotaBytes
                            + ": the live data does not fit; raise --quota-backend-bytes on every member or delete data; NOSPACE left armed")
                            .withNospace(revision, List.of(), texts(etcd.alarms()));
                }
            }
        }
        // list again: alarms raised while we worked count too; the CORRUPT ones must survive the disarm untouched
        List<Alarm> beforeDisarm = etcd.alarms();
        List<Alarm> corruptBefore = beforeDisarm.stream().filter(a -> a.type().equals("CORRUPT")).toList();
        List<String> disarmed = new ArrayList<>();
        for (Alarm a : beforeDisarm) {
            if (a.type().equals("NOSPACE")) {
                etcd.disarmNospace(a.memberId());
                disarmed.add("NOSPACE@" + a.memberIdHex());
            }
        }
        List<Alarm> left = etcd.alarms();
        List<Alarm> corruptNow = left.stream().filter(a -> a.type().equals("CORRUPT")).toList();
        if (!corruptNow.containsAll(corruptBefore)) {
            throw JobException.failed("a CORRUPT alarm disappeared while disarming NOSPACE: " + texts(corruptBefore) + " before, "
                    + texts(corruptNow) + " after; report this, and treat the cluster as corrupt");
        }
        if (left.stream().anyMatch(a -> a.type().equals("NOSPACE"))) {
            return d.as("recover-nospace", ActionResult.FAILED, "NOSPACE is still (or again) active after disarming: "
                    + texts(left)).withNospace(revision, disarmed, texts(left));
        }
        return d.as("recover-nospace", ActionResult.DONE, "compacted to revision " + revision + ", defragmented every member, disarmed NOSPACE")
                .withNospace(revision, disarmed, texts(left));
    }

    private static List<String> texts(List<Alarm> alarms) {
        return alarms.stream().map(a -> a.type() + "@" + a.memberIdHex()).toList();
    }

    private static String ids(List<Alarm> alarms) {
        return String.join(", ", alarms.stream().map(Alarm::memberIdHex).toList());
    }
}
