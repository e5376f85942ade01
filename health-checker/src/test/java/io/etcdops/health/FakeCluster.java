package io.etcdops.health;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.runtime.JobException;
import io.etcdops.health.action.ClusterMaintenance;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A scripted cluster for unit tests of the judging and safety logic: members with sizes, a leader, down members,
 * errors and alarms. It is not etcd: the tests that need etcd's real behaviour are the *IT classes.
 */
public final class FakeCluster implements ClusterMaintenance {

    public static final class Member {
        final MemberInfo info;
        boolean reachable = true;
        long dbSize;
        long inUse;
        long raftIndex = 1000;
        List<String> errors = new ArrayList<>();

        Member(MemberInfo info, long dbSize, long inUse) {
            this.info = info;
            this.dbSize = dbSize;
            this.inUse = inUse;
        }
    }

    public final Map<String, Member> members = new LinkedHashMap<>();
    long leaderId;
    final List<Alarm> alarms = new ArrayList<>();
    public final List<String> calls = new ArrayList<>();
    String failDefragOf;
    Consumer<String> afterDefrag = name -> {
    };
    boolean disarmAlsoDropsCorrupt;

    public static FakeCluster of(String... names) {
        FakeCluster c = new FakeCluster();
        long id = 0x100;
        for (String n : names) {
            boolean learner = n.startsWith("learner");
            MemberInfo info = new MemberInfo(id++, n, List.of(URI.create("http://" + n + ":2380")),
                    List.of(URI.create("http://" + n + ":2379")), learner);
            c.members.put(n, new Member(info, 50L << 20, 40L << 20));
        }
        c.leaderId = c.members.values().iterator().next().info.id();
        return c;
    }

    /** Runs after each member's (successful) defrag, e.g. to move leadership or take a member down. */
    public FakeCluster afterDefrag(Consumer<String> hook) {
        this.afterDefrag = hook;
        return this;
    }

    public FakeCluster failDefragOf(String name) {
        this.failDefragOf = name;
        return this;
    }

    /** Simulates a disarm that wrongly clears CORRUPT too (what a wrong alarm type would do). */
    public FakeCluster disarmAlsoDropsCorrupt() {
        this.disarmAlsoDropsCorrupt = true;
        return this;
    }

    /** Members whose db is 400 MiB with 100 MiB in use: fragmented by the default threshold. */
    public static FakeCluster fragmented(String... names) {
        FakeCluster c = of(names);
        c.members.values().forEach(m -> {
            m.dbSize = 400L << 20;
            m.inUse = 100L << 20;
        });
        return c;
    }

    public FakeCluster leader(String name) {
        leaderId = m(name).info.id();
        return this;
    }

    public FakeCluster down(String name) {
        m(name).reachable = false;
        return this;
    }

    public FakeCluster sizes(String name, long dbSize, long inUse) {
        m(name).dbSize = dbSize;
        m(name).inUse = inUse;
        return this;
    }

    public FakeCluster alarm(String name, String type) {
        alarms.add(new Alarm(m(name).info.id(), type));
        m(name).errors.add("memberID:" + Long.toUnsignedString(m(name).info.id()) + " alarm:" + type + " ");
        return this;
    }

    public FakeCluster error(String name, String error) {
        m(name).errors.add(error);
        return this;
    }

    public Member m(String name) {
        return members.get(name);
    }

    public long id(String name) {
        return m(name).info.id();
    }

    @Override
    public ClusterView view() {
        List<MemberStatus> statuses = new ArrayList<>();
        for (Member m : members.values()) {
            URI ep = m.info.clientUrls().get(0);
            statuses.add(m.reachable
                    ? new MemberStatus(m.info, ep, true, null, "3.5.30", m.dbSize, m.inUse, leaderId, m.raftIndex, 2, m.raftIndex, List.copyOf(m.errors))
                    : MemberStatus.unreachable(m.info, ep, "connection refused"));
        }
        return new ClusterView(0xc1, members.values().stream().map(x -> x.info).toList(), statuses, alarms);
    }

    @Override
    public void defragment(MemberStatus member, Duration deadline) {
        String name = member.member().name();
        calls.add("defrag " + name + (member.member().id() == leaderId ? " (leader)" : ""));
        if (name.equals(failDefragOf)) {
            throw JobException.failed("defragmenting " + name + " did not finish within " + deadline.toSeconds() + "s");
        }
        m(name).dbSize = m(name).inUse;
        afterDefrag.accept(name);
    }

    @Override
    public long currentRevision() {
        return 4242;
    }

    @Override
    public void compact(long revision) {
        calls.add("compact " + revision);
    }

    @Override
    public List<Alarm> alarms() {
        return List.copyOf(alarms);
    }

    @Override
    public void disarmNospace(long memberId) {
        calls.add("disarm NOSPACE " + Long.toHexString(memberId));
        alarms.removeIf(a -> a.memberId() == memberId && a.type().equals("NOSPACE"));
        if (disarmAlsoDropsCorrupt) {
            alarms.removeIf(a -> a.type().equals("CORRUPT"));
        }
        for (Member m : members.values()) {
            m.errors.removeIf(e -> e.contains("alarm:NOSPACE"));
        }
    }
}
