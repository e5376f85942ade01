package io.etcdops.health;

import io.etcd.jetcd.cluster.MemberListResponse;
import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the member list, then every member's status and the alarm list at the same time. Like
 * {@link EtcdSession#view()}, but the alarm list runs in parallel with the statuses (it goes through raft and takes
 * the whole command timeout when there is no quorum) and its failure is kept, not just logged, with the alarms the
 * members' statuses carry as a fallback.
 */
public final class ClusterReader {

    /** A view plus how the alarms were obtained. */
    public record Read(ClusterView view, String alarmsError) {
    }

    private final EtcdSession session;

    public ClusterReader(EtcdSession session) {
        this.session = session;
    }

    public Read read() {
        var config = session.config();
        MemberListResponse list = session.await("member list", () -> session.client().getClusterClient().listMember(),
                config.commandTimeout().plus(config.dialTimeout()));
        long clusterId = list.getHeader().getClusterId();
        List<MemberInfo> members = list.getMembers().stream()
                .map(m -> new MemberInfo(m.getId(), m.getName(), List.copyOf(m.getPeerURIs()), List.copyOf(m.getClientURIs()), m.isLearner()))
                .toList();
        CompletableFuture<Object> alarms = CompletableFuture.supplyAsync(() -> {
            try {
                return session.alarms();
            } catch (JobException e) {
                return e.getMessage();
            }
        });
        List<CompletableFuture<MemberStatus>> futures = new ArrayList<>();
        for (MemberInfo m : members) {
            futures.add(CompletableFuture.supplyAsync(() -> session.status(m)));
        }
        List<MemberStatus> statuses = futures.stream().map(CompletableFuture::join).toList();
        Object a = alarms.join();
        if (a instanceof String error) {
            return new Read(new ClusterView(clusterId, members, statuses, MemberCondition.alarmsFromStatuses(statuses)), error);
        }
        @SuppressWarnings("unchecked")
        List<Alarm> alarmList = (List<Alarm>) a;
        return new Read(new ClusterView(clusterId, members, statuses, alarmList), null);
    }

    public ClusterView view() {
        return read().view();
    }
}
