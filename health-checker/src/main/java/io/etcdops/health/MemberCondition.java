package io.etcdops.health;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.etcd.Quorum;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How health-checker reads a member's status. etcd's Status lists active alarms among a member's "errors"
 * ("memberID:123 alarm:NOSPACE"); an alarm is a cluster condition, not a sick member, so here a member is
 * <em>serving</em> when it answers, knows a leader and reports no error other than alarms. (core's
 * {@link MemberStatus#healthy()} counts alarm entries as errors, which would make every member "unhealthy" during
 * NOSPACE and block the very recovery that clears it.)
 */
public final class MemberCondition {
    private static final Pattern ALARM = Pattern.compile("memberID:(\\d+) alarm:([A-Z_]+)\\s*");

    private MemberCondition() {
    }

    public static boolean isAlarmEntry(String error) {
        return ALARM.matcher(error.strip() + " ").matches();
    }

    /** The member's errors that are not alarm entries. */
    public static List<String> otherErrors(MemberStatus s) {
        return s.errors().stream().filter(e -> !isAlarmEntry(e)).toList();
    }

    public static boolean serving(MemberStatus s) {
        return s.reachable() && s.leaderId() != 0 && otherErrors(s).isEmpty();
    }

    /** Alarms as reported inside the members' status errors: a fallback when the alarm list call fails (it needs quorum). */
    public static List<Alarm> alarmsFromStatuses(List<MemberStatus> statuses) {
        Set<Alarm> out = new LinkedHashSet<>();
        for (MemberStatus s : statuses) {
            for (String e : s.errors()) {
                Matcher m = ALARM.matcher(e.strip() + " ");
                if (m.matches()) {
                    out.add(new Alarm(Long.parseUnsignedLong(m.group(1)), m.group(2)));
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** Quorum over voting members counting those that are serving and agree on the cluster's leader. */
    public static Quorum quorum(ClusterView view) {
        long leader = view.leaderId();
        int healthy = 0;
        for (MemberInfo m : view.voters()) {
            MemberStatus s = view.status(m.id()).orElse(null);
            if (s != null && serving(s) && s.leaderId() == leader) {
                healthy++;
            }
        }
        return new Quorum(view.voters().size(), healthy);
    }
}
