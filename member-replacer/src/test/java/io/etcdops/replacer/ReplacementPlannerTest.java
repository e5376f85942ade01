package io.etcdops.replacer;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.ProgressRecord;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.replacer.ReplacementPlanner.Decision;
import io.etcdops.replacer.ReplacementPlanner.Kind;
import io.etcdops.testkit.kube.EtcdStatefulSets;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The replacer's decisions, rule by rule, on plain values (no etcd, no API). */
class ReplacementPlannerTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration GRACE = Duration.ofMinutes(5);
    private static final long LEADER = 100;

    @Test
    void allHealthyMeansNothingToDo() {
        assertThat(decide(fixture())).extracting(Decision::kind).isEqualTo(Kind.HEALTHY);
    }

    @Test
    void anUnhealthyMemberWaitsOutTheGracePeriod_thenTheLongestUnhealthyIsReplaced() {
        Fixture one = fixture().down(1);
        one.since.put("etcd-1", NOW.minus(Duration.ofMinutes(2)));
        Decision d = decide(one);
        assertThat(d.kind()).isEqualTo(Kind.WAITING);
        assertThat(d.due()).contains(NOW.plus(Duration.ofMinutes(3)));
        assertThat(d.reason()).contains("etcd-1", "etcd unreachable");

        one.since.put("etcd-1", NOW.minus(Duration.ofMinutes(6)));
        Decision replace = decide(one);
        assertThat(replace.kind()).isEqualTo(Kind.REPLACE);
        assertThat(replace.ordinal()).isEqualTo(1);
        assertThat(replace.member()).map(MemberInfo::name).contains("etcd-1");
        assertThat(replace.resume()).isFalse();
    }

    @Test
    void aMemberSeenFirstNowIsNeverDueWithAPositiveGrace() {
        Decision d = decide(fixture().down(1));
        assertThat(d.kind()).isEqualTo(Kind.WAITING);
    }

    @Test
    void noQuorumIsRefusedWithTheRestoreRunbook() {
        Decision d = decide(fixture().down(1).down(2));
        assertThat(d.kind()).isEqualTo(Kind.REFUSED);
        assertThat(d.reason()).contains("no quorum", "1 of 3", ReplacementPlanner.RUNBOOK_QUORUM_LOSS);
    }

    @Test
    void startingAReplacementWhileAnotherMemberIsDownIsRefused() {
        Fixture f = fixture().down(2);
        f.requested = "etcd-1";
        Decision d = decide(f);
        assertThat(d.kind()).isEqualTo(Kind.REFUSED);
        assertThat(d.reason()).contains("another member is unhealthy too", "etcd-2", "strict-reconfig-check");
    }

    @Test
    void memberOnDemandIsReplacedWhenSafe_unknownNamesAreRefused() {
        Fixture f = fixture();
        f.requested = "etcd-2";
        assertThat(decide(f)).extracting(Decision::kind, Decision::ordinal).containsExactly(Kind.REPLACE, 2);
        f.requested = "etcd-7";
        assertThat(decide(f).reason()).contains("--member etcd-7 is not a member");
        Fixture gone = fixture().down(1);
        gone.members.removeIf(m -> m.name().equals("etcd-1"));
        gone.requested = "etcd-1";
        assertThat(decide(gone)).as("a replica without a member, by its pod name")
                .extracting(Decision::kind, Decision::ordinal, Decision::member).containsExactly(Kind.REPLACE, 1, Optional.empty());
    }

    @Test
    void aLearnerNotOfOursIsRefused_oneOfOursIsFinished() {
        Fixture f = fixture();
        f.members.add(new MemberInfo(999, "", List.of(URI.create("http://10.0.0.9:2380")), List.of(), true));
        assertThat(decide(f).kind()).isEqualTo(Kind.REFUSED);
        assertThat(decide(f).reason()).contains("a learner exists", "etcdctl member promote|remove");

        Fixture ours = fixture().down(1);
        ours.members.removeIf(m -> m.name().equals("etcd-1"));
        ours.members.add(new MemberInfo(999, "", List.of(URI.create("http://10.0.0.9:2380")), List.of(), true));
        ours.seeds.put("etcd-1", new PodBuilder().withNewMetadata().withName("etcd-1-seed").endMetadata()
                .withNewStatus().withPodIP("10.0.0.9").endStatus().build());
        Decision d = decide(ours);
        assertThat(d.kind()).isEqualTo(Kind.REPLACE);
        assertThat(d.ordinal()).isEqualTo(1);
        assertThat(d.resume()).isTrue();
    }

    @Test
    void aHeldPodIsFinishedWhateverTheGrace() {
        Fixture f = fixture();
        f.pods.put("etcd-0", new PodBuilder(f.pods.get("etcd-0")).editMetadata().addToFinalizers(PodHold.FINALIZER).endMetadata().build());
        Decision d = decide(f);
        assertThat(d.kind()).isEqualTo(Kind.REPLACE);
        assertThat(d.ordinal()).isZero();
        assertThat(d.resume()).isTrue();
    }

    @Test
    void aFinishedReplacementsRecordIsNeverResumed_aNewFailureOfThatReplicaWaitsOutItsGrace() {
        Fixture f = fixture().down(1);
        f.progress = ProgressRecord.Progress.start(MemberReplacement.OPERATION, "job", "job").with(MemberReplacement.POD, "etcd-1")
                .with(MemberReplacement.OLD_MEMBER_ID, "77").with(MemberReplacement.NEW_MEMBER_ID, "2").withCompleted("pod-released");
        Decision d = decide(f);
        assertThat(d.kind()).isEqualTo(Kind.WAITING);
        assertThat(d.staleProgress()).isTrue();

        Fixture unfinished = fixture().down(1);
        unfinished.progress = ProgressRecord.Progress.start(MemberReplacement.OPERATION, "job", "job")
                .with(MemberReplacement.POD, "etcd-1").withCompleted("pod-held");
        unfinished.members.removeIf(m -> m.name().equals("etcd-1"));
        Decision resume = decide(unfinished);
        assertThat(resume.kind()).isEqualTo(Kind.REPLACE);
        assertThat(resume.resume()).isTrue();
        assertThat(resume.staleProgress()).isFalse();
    }

    @Test
    void midRolloutIsRefused() {
        Fixture f = fixture().down(1);
        f.since.put("etcd-1", NOW.minus(Duration.ofHours(1)));
        f.sts.getStatus().setUpdateRevision("etcd-new");
        Decision d = decide(f);
        assertThat(d.kind()).isEqualTo(Kind.REFUSED);
        assertThat(d.reason()).contains("mid-rollout", "etcd-new");
    }

    @Test
    void aCorruptAlarmOrACrashLoopMakesAMemberUnhealthy() {
        Fixture f = fixture();
        f.alarms.add(new Alarm(3, "CORRUPT"));
        Decision d = decide(f);
        assertThat(d.kind()).isEqualTo(Kind.WAITING);
        assertThat(d.reason()).contains("etcd-2", "CORRUPT");
        Pod crashing = new PodBuilder(f.pods.get("etcd-0")).editStatus().addNewContainerStatus().withName("etcd").withRestartCount(7)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState().endContainerStatus().endStatus().build();
        assertThat(MemberHealth.podProblems(crashing, "etcd-0")).anyMatch(p -> p.contains("CrashLoopBackOff (7 restarts)"));
    }

    @Test
    void unhealthySinceKeepsTheFirstSightingAndForgetsAMemberSeenHealthy() {
        Fixture f = fixture().down(1);
        List<MemberHealth> health = MemberHealth.assess(f.target(), f.view(), f.pods);
        Instant earlier = NOW.minus(Duration.ofMinutes(3));
        assertThat(UnhealthySince.update(Map.of("etcd-1", earlier, "etcd-2", earlier), health, NOW))
                .isEqualTo(Map.of("etcd-1", earlier));
        assertThat(UnhealthySince.update(Map.of(), health, NOW)).isEqualTo(Map.of("etcd-1", NOW));
    }

    private static Decision decide(Fixture f) {
        return ReplacementPlanner.decide(f.observation());
    }

    private static Fixture fixture() {
        return new Fixture();
    }

    /** Three healthy members etcd-0..2 (ids 1..3, leader 1), Ready pods, a settled StatefulSet. */
    private static final class Fixture {
        final StatefulSet sts = EtcdStatefulSets.flagStyle().statefulSet();
        final List<MemberInfo> members = new ArrayList<>();
        final Map<Long, Boolean> up = new HashMap<>();
        final List<Alarm> alarms = new ArrayList<>();
        final Map<String, Pod> pods = new HashMap<>();
        final Map<String, Pod> seeds = new HashMap<>();
        final Map<String, Instant> since = new HashMap<>();
        String requested;
        ProgressRecord.Progress progress;

        Fixture() {
            sts.getMetadata().setUid("sts-uid");
            sts.getMetadata().setGeneration(1L);
            sts.setStatus(new StatefulSetStatusBuilder().withObservedGeneration(1L).withReplicas(3).withReadyReplicas(3)
                    .withCurrentRevision("etcd-1").withUpdateRevision("etcd-1").build());
            for (int i = 0; i < 3; i++) {
                members.add(new MemberInfo(i + 1, "etcd-" + i, List.of(URI.create("http://etcd-" + i + ".etcd:2380")),
                        List.of(URI.create("http://etcd-" + i + ".etcd:2379")), false));
                up.put((long) i + 1, true);
                pods.put("etcd-" + i, pod("etcd-" + i, true));
            }
        }

        Fixture down(int i) {
            up.put((long) i + 1, false);
            pods.put("etcd-" + i, pod("etcd-" + i, false));
            return this;
        }

        StatefulSetTarget target() {
            return StatefulSetTarget.from(sts, TargetOverrides.none());
        }

        ClusterView view() {
            long leader = up.getOrDefault(1L, false) ? 1 : up.getOrDefault(2L, false) ? 2 : 3;
            List<MemberStatus> statuses = new ArrayList<>();
            for (MemberInfo m : members) {
                statuses.add(up.getOrDefault(m.id(), true) && !m.learner()
                        ? new MemberStatus(m, m.clientUrls().get(0), true, null, "3.5.30", 1, 1, leader, 10, 2, 10, List.of())
                        : MemberStatus.unreachable(m, null, "timed out"));
            }
            return new ClusterView(LEADER, members, statuses, alarms);
        }

        ReplacementPlanner.Observation observation() {
            StatefulSetTarget t = target();
            ClusterView v = view();
            List<MemberHealth> health = MemberHealth.assess(t, v, pods);
            Map<String, Instant> s = UnhealthySince.update(since, health, NOW);
            return new ReplacementPlanner.Observation(t, sts, v, health, s, pods, seeds, Optional.ofNullable(progress), NOW, GRACE,
                    Optional.ofNullable(requested));
        }

        private static Pod pod(String name, boolean ready) {
            return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().addNewCondition().withType("Ready")
                    .withStatus(ready ? "True" : "False").endCondition().endStatus().build();
        }
    }
}
