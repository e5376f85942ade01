package io.etcdops.health.kube;

import io.etcdops.core.runtime.Json;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.kube.TargetOverrides;
import io.etcdops.health.Finding;
import io.etcdops.health.HealthEvaluator;
import io.etcdops.health.Observation;
import io.etcdops.health.Severity;
import io.etcdops.health.Thresholds;
import io.etcdops.health.hashkv.HashKvComparison;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The StatefulSet comparison on inputs recorded from testkit's Kubernetes simulation running real etcd 3.5.30 (the
 * StatefulSet and pods as the API served them, etcd's member list and statuses as {@code EtcdSession.view()} read them):
 * a healthy 3-replica set, and the same with a never-started learner added for ordinal 3. Every other case alters one
 * recorded input (a member dropped, a member turned learner, a pod crash-looping, replicas changed) and says so.
 */
class StatefulSetComparisonTest {
    private static final ObjectMapper JSON = Json.mapper().rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final long MAX_LAG = Thresholds.defaults().maxRaftLag();

    @Test
    void recordedHealthySetMapsEveryMemberToItsPodAndFindsNothing() {
        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), recordedPods()), view("view.json"), MAX_LAG);

        assertThat(problems(r)).isEmpty();
        assertThat(r.findings()).first().satisfies(f -> assertThat(f.message())
                .isEqualTo("StatefulSet default/etcd: 3 replicas, each pod runs one member (etcd-0, etcd-1, etcd-2), no other members"));
        assertThat(r.podOfMember().values()).containsExactlyInAnyOrder("etcd-0", "etcd-1", "etcd-2");
        assertThat(r.podStatus()).containsOnlyKeys("etcd-0", "etcd-1", "etcd-2").allSatisfy((pod, s) -> assertThat(s).isEqualTo("Ready"));
        assertThat(r.judgedLearners()).isEmpty();
    }

    @Test
    void recordedNeverStartedMemberForOrdinalThreeIsAZombieWithTheExactRemoveCommand() {
        ClusterView v = view("view-zombie.json");
        MemberInfo zombie = v.members().stream().filter(m -> !m.started()).findFirst().orElseThrow();

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), recordedPods()), v, MAX_LAG);

        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("zombie-member");
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.subject()).isEqualTo(zombie.idHex());
            assertThat(f.message()).contains("learner " + zombie.idHex() + " (never started, peer URLs [http://etcd-3.etcd:2380])")
                    .contains("it names ordinal 3, beyond the 3 replicas");
            assertThat(f.advice()).startsWith("Remove it: etcdctl member remove " + zombie.idHex() + " (");
        });
        assertThat(r.judgedLearners()).containsExactly(zombie.id());
        assertThat(r.findings()).noneMatch(f -> f.check().equals("statefulset"));
    }

    @Test
    void theEvaluatorReportsTheZombieOnceNotAlsoAsAnUnstartedLearner() {
        HealthEvaluator.Evaluation ev = new HealthEvaluator(Thresholds.defaults()).evaluate(observation(view("view-zombie.json"),
                state(recordedStatefulSet(), recordedPods())));

        assertThat(ev.findings().stream().filter(f -> f.severity() != Severity.OK)).extracting(Finding::check).containsExactly("zombie-member");
        assertThat(ev.cluster().statefulSet()).isEqualTo("default/etcd");
        assertThat(ev.members()).filteredOn(m -> m.name().equals("etcd-1")).singleElement()
                .satisfies(m -> assertThat(m.pod()).isEqualTo("etcd-1"));
    }

    @Test
    void aMissingMemberOfThreeReplicasIsCriticalAndNamesThePeerUrlTheOthersUse() {
        // altered: etcd-2 removed from the recorded member list (as after `member remove` without re-adding it)
        ClusterView v = without(view("view.json"), "etcd-2");

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), recordedPods()), v, MAX_LAG);

        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("missing-member");
            assertThat(f.subject()).isEqualTo("etcd-2");
            assertThat(f.severity()).as("2 members left: one more failure loses quorum").isEqualTo(Severity.CRITICAL);
            assertThat(f.message()).contains("the cluster has 2 member(s) for 3 replicas").contains("tolerates no further failure");
            assertThat(f.advice()).contains("etcdctl member add etcd-2 --learner --peer-urls=http://etcd-2.etcd:2380");
        });
    }

    @Test
    void aMissingMemberThatLeavesAMarginIsAWarningAndAMissingPodIsNoted() {
        // altered: the recorded StatefulSet scaled to 4 while etcd still has the 3 recorded members and no pod etcd-3 exists
        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(replicas(recordedStatefulSet(), 4), recordedPods()),
                view("view.json"), MAX_LAG);

        assertThat(problems(r)).extracting(Finding::check, Finding::subject, Finding::severity).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("pod", "etcd-3", Severity.WARNING),
                org.assertj.core.groups.Tuple.tuple("missing-member", "etcd-3", Severity.WARNING));
        assertThat(problems(r)).filteredOn(f -> f.check().equals("missing-member")).singleElement().satisfies(f -> {
            assertThat(f.message()).contains("the pod does not exist either").contains("tolerates 1 more failure(s)");
            assertThat(f.advice()).startsWith("If the StatefulSet is still scaling up, wait for the pod");
        });
    }

    @Test
    void aScaleDownWithoutMemberRemoveLeavesAZombieVoterWhosePodIsStillThere() {
        // altered: the recorded StatefulSet scaled to 2; etcd-2's member and pod (not yet deleted) are still there
        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(replicas(recordedStatefulSet(), 2), recordedPods()),
                view("view.json"), MAX_LAG);

        MemberInfo m2 = view("view.json").memberByName("etcd-2").orElseThrow();
        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("zombie-member");
            assertThat(f.subject()).isEqualTo("etcd-2");
            assertThat(f.message()).startsWith("voting member etcd-2 (id " + m2.idHex()).contains("pod etcd-2 still exists");
            assertThat(f.advice()).startsWith("Remove it: etcdctl member remove " + m2.idHex() + " once pod etcd-2 is gone");
        });
    }

    @Test
    void aLearnerFarBehindIsStuckAndReportedWithItsPodOnce() {
        // altered: etcd-1 turned into a learner 5000 entries behind the leader
        ClusterView v = alter(view("view.json"), "etcd-1", true, 5000);
        MemberInfo m1 = v.memberByName("etcd-1").orElseThrow();

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), recordedPods()), v, MAX_LAG);
        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("learner");
            assertThat(f.subject()).isEqualTo("etcd-1");
            assertThat(f.message()).isEqualTo("learner " + m1.idHex() + " of pod etcd-1 has not caught up: 5000 raft entries behind the leader");
            assertThat(f.advice()).startsWith("Do not promote it; check pod etcd-1 (kubectl logs etcd-1 -c etcd");
        });

        HealthEvaluator.Evaluation ev = new HealthEvaluator(Thresholds.defaults())
                .evaluate(observation(v, state(recordedStatefulSet(), recordedPods())));
        assertThat(ev.findings().stream().filter(f -> f.severity() != Severity.OK)).as("the generic raft-lag finding is not repeated")
                .extracting(Finding::check).containsExactly("quorum", "learner"); // 2 voters left: no failure tolerated
    }

    @Test
    void aLearnerInSyncButNeverPromotedIsAWarningWithThePromoteCommand() {
        // altered: etcd-1 turned into a learner at the leader's index
        ClusterView v = alter(view("view.json"), "etcd-1", true, 0);
        MemberInfo m1 = v.memberByName("etcd-1").orElseThrow();

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), recordedPods()), v, MAX_LAG);

        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("learner");
            assertThat(f.message()).contains("is in sync with the leader (0 entries behind) but was never promoted")
                    .contains("the 3 replicas give 2 voting members");
            assertThat(f.advice()).startsWith("Promote it: etcdctl member promote " + m1.idHex());
        });
    }

    @Test
    void aVotingMembersPodInCrashLoopBackOffIsCritical() {
        // altered: pod etcd-1 not Ready, its etcd container waiting in CrashLoopBackOff after 7 restarts
        Map<String, Pod> pods = recordedPods();
        pods.put("etcd-1", crashLooping(pods.get("etcd-1")));

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), pods), view("view.json"), MAX_LAG);

        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("pod");
            assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(f.message()).startsWith("pod etcd-1 (runs member etcd-1): not Ready, container etcd in CrashLoopBackOff (7 restarts)");
            assertThat(f.advice()).contains("kubectl logs etcd-1 -c etcd --previous");
        });
        assertThat(r.podStatus()).containsEntry("etcd-1", "not Ready, container etcd in CrashLoopBackOff (7 restarts)");
    }

    @Test
    void withNoMemberListOnlyThePodsAreJudged() {
        // altered: every pod crash-looping (no etcd answers, so there is no member list)
        Map<String, Pod> pods = recordedPods();
        pods.replaceAll((n, p) -> crashLooping(p));

        List<Finding> f = StatefulSetComparison.podFindings(state(recordedStatefulSet(), pods));

        assertThat(f).hasSize(3).allSatisfy(x -> {
            assertThat(x.check()).isEqualTo("pod");
            assertThat(x.severity()).isEqualTo(Severity.WARNING);
            assertThat(x.message()).contains("CrashLoopBackOff").doesNotContain("runs");
        });
    }

    @Test
    void aMemberNamedByPodIpBelongsToThatPod() {
        // altered: etcd-1's member never started and was added with the pod's IP as peer URL (no name yet)
        Map<String, Pod> pods = recordedPods();
        String ip = pods.get("etcd-1").getStatus().getPodIP();
        ClusterView v = view("view.json");
        List<MemberInfo> members = new ArrayList<>();
        List<MemberStatus> statuses = new ArrayList<>();
        for (MemberInfo m : v.members()) {
            MemberInfo x = "etcd-1".equals(m.name()) ? new MemberInfo(m.id(), "", List.of(URI.create("http://" + ip + ":2380")), List.of(), true) : m;
            members.add(x);
            statuses.add(x == m ? v.status(m.id()).orElseThrow() : MemberStatus.unreachable(x, null, "member has not started (no client URLs)"));
        }

        StatefulSetComparison.Result r = StatefulSetComparison.compare(state(recordedStatefulSet(), pods),
                new ClusterView(v.clusterId(), members, statuses, List.of()), MAX_LAG);

        assertThat(problems(r)).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("learner");
            assertThat(f.subject()).isEqualTo("etcd-1");
            assertThat(f.message()).contains("has not started");
        });
    }

    @Test
    void podsThatCannotBeListedAreOneWarningAndTheMemberListIsStillCompared() {
        StatefulSetComparison.Result r = StatefulSetComparison.compare(
                new StatefulSetState(StatefulSetTarget.from(recordedStatefulSet(), TargetOverrides.none()), Map.of(), "forbidden"),
                without(view("view.json"), "etcd-0"), MAX_LAG);

        assertThat(problems(r)).extracting(Finding::check).containsExactly("statefulset", "missing-member");
        assertThat(problems(r).get(0).advice()).isEqualTo("Let the job's ServiceAccount get and list pods in default.");
        assertThat(r.podStatus()).isEmpty();
    }

    // ---- recorded inputs and their alterations ----

    private static List<Finding> problems(StatefulSetComparison.Result r) {
        return r.findings().stream().filter(f -> f.severity() != Severity.OK).toList();
    }

    private static InputStream resource(String name) {
        return StatefulSetComparisonTest.class.getResourceAsStream("/statefulset/" + name);
    }

    static StatefulSet recordedStatefulSet() {
        return Serialization.unmarshal(resource("statefulset.json"), StatefulSet.class);
    }

    static Map<String, Pod> recordedPods() {
        Map<String, Pod> out = new LinkedHashMap<>();
        Serialization.unmarshal(resource("pods.json"), PodList.class).getItems().forEach(p -> out.put(p.getMetadata().getName(), p));
        return out;
    }

    static ClusterView view(String name) {
        try (InputStream in = resource(name)) {
            return JSON.readValue(in, ClusterView.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static StatefulSetState state(StatefulSet sts, Map<String, Pod> pods) {
        return new StatefulSetState(StatefulSetTarget.from(sts, TargetOverrides.none()), pods, null);
    }

    private static StatefulSet replicas(StatefulSet sts, int n) {
        return new StatefulSetBuilder(sts).editSpec().withReplicas(n).endSpec().build();
    }

    private static ClusterView without(ClusterView v, String name) {
        return new ClusterView(v.clusterId(), v.members().stream().filter(m -> !name.equals(m.name())).toList(),
                v.statuses().stream().filter(s -> !name.equals(s.member().name())).toList(), v.alarms());
    }

    /** {@code name} as a learner (or not), every other member {@code behind} raft entries further on (applied too). */
    private static ClusterView alter(ClusterView v, String name, boolean learner, long behind) {
        UnaryOperator<MemberInfo> change = m -> name.equals(m.name())
                ? new MemberInfo(m.id(), m.name(), m.peerUrls(), m.clientUrls(), learner) : m;
        List<MemberInfo> members = v.members().stream().map(change).toList();
        List<MemberStatus> statuses = v.statuses().stream().map(s -> {
            long index = s.raftIndex() + (name.equals(s.member().name()) ? 0 : behind);
            return new MemberStatus(change.apply(s.member()), s.endpoint(), s.reachable(), s.error(), s.version(), s.dbSize(),
                    s.dbSizeInUse(), s.leaderId(), index, s.raftTerm(), index, s.errors());
        }).toList();
        return new ClusterView(v.clusterId(), members, statuses, v.alarms());
    }

    private static Pod crashLooping(Pod p) {
        return new PodBuilder(p).editStatus()
                .editMatchingCondition(c -> "Ready".equals(c.getType())).withStatus("False").endCondition()
                .editFirstContainerStatus().withReady(false).withRestartCount(7)
                .withState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().build())
                .endContainerStatus().endStatus().build();
    }

    private static Observation observation(ClusterView v, StatefulSetState sts) {
        return new Observation(Instant.now(), v, v.alarms(), null, null, false, false, Map.of(), HashKvComparison.compare(0, List.of()),
                null, sts);
    }
}
