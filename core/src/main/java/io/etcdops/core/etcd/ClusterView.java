package io.etcdops.core.etcd;

import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One consistent-enough look at a cluster: the member list, each member's status, the alarms and the leader.
 * Jobs decide from a view and take a fresh one after every step (they never act on a stale view).
 */
public record ClusterView(long clusterId, List<MemberInfo> members, List<MemberStatus> statuses, List<Alarm> alarms) {

    public ClusterView {
        members = List.copyOf(members);
        statuses = List.copyOf(statuses);
        alarms = List.copyOf(alarms);
    }

    public String clusterIdHex() {
        return Long.toHexString(clusterId);
    }

    public Optional<MemberStatus> status(long memberId) {
        return statuses.stream().filter(s -> s.member() != null && s.member().id() == memberId).findFirst();
    }

    /** The leader as most reachable members report it; 0 when there is none. */
    public long leaderId() {
        return statuses.stream().filter(MemberStatus::reachable).filter(s -> s.leaderId() != 0)
                .collect(Collectors.groupingBy(MemberStatus::leaderId, Collectors.counting()))
                .entrySet().stream().max(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey).orElse(0L);
    }

    public Optional<MemberStatus> leader() {
        long id = leaderId();
        return id == 0 ? Optional.empty() : status(id);
    }

    public List<MemberInfo> voters() {
        return members.stream().filter(m -> !m.learner()).toList();
    }

    public List<MemberInfo> learners() {
        return members.stream().filter(MemberInfo::learner).toList();
    }

    public Quorum quorum() {
        int voters = voters().size();
        long leader = leaderId();
        int healthy = (int) voters().stream()
                .map(m -> status(m.id()))
                .filter(s -> s.isPresent() && s.get().healthy() && s.get().leaderId() == leader)
                .count();
        return new Quorum(voters, healthy);
    }

    /** Healthy, caught-up voting followers first (sorted by applied index, highest first), then the leader. */
    public List<MemberStatus> snapshotCandidates() {
        long leader = leaderId();
        long leaderIndex = leader().map(MemberStatus::raftIndex).orElse(0L);
        Comparator<MemberStatus> order = Comparator
                .comparing((MemberStatus s) -> s.member().id() == leader)
                .thenComparing(s -> leaderIndex - s.raftAppliedIndex() > 1000)
                .thenComparing(MemberStatus::raftAppliedIndex, Comparator.reverseOrder());
        return statuses.stream().filter(MemberStatus::healthy).filter(s -> !s.member().learner()).sorted(order).toList();
    }

    public List<String> versions() {
        return statuses.stream().filter(MemberStatus::reachable).map(MemberStatus::version).distinct().sorted().toList();
    }

    public Optional<MemberInfo> memberByName(String name) {
        return members.stream().filter(m -> name.equals(m.name()) || name.equalsIgnoreCase(m.idHex())).findFirst();
    }

    public Optional<MemberStatus> statusByEndpoint(URI endpoint) {
        return statuses.stream().filter(s -> endpoint.equals(s.endpoint())).findFirst();
    }
}
