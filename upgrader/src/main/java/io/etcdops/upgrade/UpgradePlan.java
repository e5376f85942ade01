package io.etcdops.upgrade;

import io.etcdops.upgrade.MemberPods.MemberPod;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What pre-flight decided: the version step, the image, which members to restart in which order (followers first,
 * highest ordinal first, the leader last after a leadership move) and which are already done.
 *
 * @param from          what the members still to do run ({@code to} when only the image changes)
 * @param templateImage the etcd image in the StatefulSet's template when this run started
 * @param pending       members to restart, in order; the last is the leader when it needs one
 * @param done          members already at the target version and image (skipped)
 * @param leader        the member that leads now
 * @param warnings      flags deprecated or ignored by the target, and other things to know
 * @param rewrite       the etcd container's args/env rewritten for the target ({@code --rewrite-flags}), or null
 */
public record UpgradePlan(
        EtcdVersion from,
        EtcdVersion to,
        UpgradePath.Kind kind,
        String image,
        String templateImage,
        Optional<EtcdVersion> clusterVersion,
        List<MemberPod> pending,
        List<MemberPod> done,
        MemberPod leader,
        List<String> warnings,
        FlagRewrite.Result rewrite) {

    public UpgradePlan {
        pending = List.copyOf(pending);
        done = List.copyOf(done);
        warnings = List.copyOf(warnings);
    }

    public boolean nothingToDo() {
        return pending.isEmpty();
    }

    public String kindLabel() {
        return switch (kind) {
            case NOTHING -> pending.isEmpty() ? "none" : "image-only";
            case PATCH_UPGRADE -> "patch-upgrade";
            case PATCH_DOWNGRADE -> "patch-downgrade";
            case MINOR_UPGRADE -> "minor-upgrade";
            case MINOR_ROLLBACK -> "minor-rollback";
            case MINOR_DOWNGRADE -> "minor-downgrade";
        };
    }

    /** The plan as --dry-run prints it: the order, the leadership move, the gates between members. */
    public Map<String, Object> describe(boolean backup, String strategyType) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", from + " -> " + to + " (" + kindLabel() + ")");
        m.put("image", templateImage.equals(image) ? image + " (already in the template)" : templateImage + " -> " + image);
        List<String> steps = new ArrayList<>();
        steps.add(backup ? "take a verified snapshot with the backup code and store it before touching any member"
                : "NO BACKUP (--skip-backup)");
        steps.add(strategyType.equals("OnDelete") ? "updateStrategy is OnDelete already"
                : "set updateStrategy " + strategyType + " -> OnDelete for the duration (restored at the end)");
        if (!templateImage.equals(image)) {
            steps.add("set the etcd image to " + image + " (no pod changes by itself under OnDelete)");
        }
        if (rewrite != null) {
            steps.add("rewrite the etcd container's flags for " + to.minorString() + " in the same template change: "
                    + String.join("; ", rewrite.changes()));
        }
        if (kind == UpgradePath.Kind.MINOR_DOWNGRADE) {
            steps.add("etcd's downgrade protocol: downgrade validate " + to.minorString() + " (passed), downgrade enable "
                    + to.minorString() + ", wait until the cluster version is " + to.minorString() + " and every member "
                    + "reports storage version " + to.minorString() + ".0 (a stop before the first member changes sends "
                    + "downgrade cancel)");
        }
        for (MemberPod p : pending) {
            boolean isLeader = leader != null && p.member().id() == leader.member().id();
            if (isLeader && pending.size() > 1 || isLeader && !done.isEmpty()) {
                steps.add("move leadership from " + p.pod() + " to an upgraded healthy member (the one with the highest applied index)");
            }
            steps.add("delete pod " + p.pod() + " (member " + p.member().label() + (isLeader ? ", the leader now" : "")
                    + "), then wait: pod Ready on " + image + "; member healthy; reports " + to
                    + "; applied index caught up with the leader; no alarms; a leader present");
        }
        for (MemberPod p : done) {
            steps.add("skip " + p.pod() + " (already at " + to + ")");
        }
        if (kind == UpgradePath.Kind.MINOR_UPGRADE || kind == UpgradePath.Kind.MINOR_ROLLBACK) {
            steps.add("wait for the cluster version to become " + to.minorString());
        }
        if (kind == UpgradePath.Kind.MINOR_DOWNGRADE) {
            steps.add("wait until etcd ends its downgrade job (every member on " + to.minorString() + ")");
        }
        steps.add("final health check; restore updateStrategy " + strategyType);
        m.put("steps", steps);
        m.put("order", pending.stream().map(MemberPod::pod).toList());
        m.put("skipped", done.stream().map(MemberPod::pod).toList());
        m.put("leader", leader == null ? "" : leader.pod());
        if (rewrite != null) {
            m.put("flag-rewrites", rewrite.changes());
        }
        return m;
    }
}
