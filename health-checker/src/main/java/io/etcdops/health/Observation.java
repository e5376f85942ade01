package io.etcdops.health;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.health.backup.BackupAge;
import io.etcdops.health.hashkv.HashKvComparison;
import io.etcdops.health.kube.StatefulSetState;
import io.etcdops.health.metrics.MemberSignals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything one run saw, before any judgement: the cluster view (member list, statuses), the alarms, metric
 * signals per member id, the HashKV comparison, the backup age and (with --statefulset) the StatefulSet and its pods. {@link HealthEvaluator} turns it into findings.
 *
 * @param alarms        the alarm list, or (when listing failed) the alarms found in the members' status errors
 * @param alarmsError   why the alarm list call failed (it goes through raft, so it fails without quorum), else null
 * @param quotaOption   --quota-backend-bytes if given, else null
 * @param metricsWanted false with --metrics off
 * @param backup        null without --store
 * @param statefulSet   the target StatefulSet and its pods, looked at next to the member list; null without --statefulset
 */
public record Observation(
        Instant at,
        ClusterView view,
        List<Alarm> alarms,
        String alarmsError,
        Long quotaOption,
        boolean metricsWanted,
        boolean explicitMetricsUrls,
        Map<Long, MemberSignals> signals,
        HashKvComparison hashKv,
        BackupAge backup,
        StatefulSetState statefulSet) {
}
