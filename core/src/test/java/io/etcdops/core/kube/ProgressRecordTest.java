package io.etcdops.core.kube;

import io.etcdops.testkit.kube.KubeSimulation;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A retried job reads back what the failed attempt recorded on the StatefulSet, without rolling the pods. */
class ProgressRecordTest {

    @Test
    void progressSurvivesOnTheStatefulSetForTheNextAttemptAndIsClearedWhenDone() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            StatefulSet sts = Fixtures.statefulSet(Fixtures.NOT_ETCD);
            sts.getSpec().setReplicas(0);
            long generation = sim.apply(sts).getMetadata().getGeneration();
            ProgressRecord first = new ProgressRecord(sim.client(), "default", "web");
            assertThat(first.read()).isEmpty();

            ProgressRecord.Progress p = ProgressRecord.Progress.start("restore", "restore-now", "restore-now-aaaaa")
                    .with("snapshot", "s3://b/etcd/20261124T100000Z-r42.db").withCompleted("scaled-to-zero").withPhase("restoring");
            first.write(p, "restore-now-aaaaa");

            ProgressRecord retry = new ProgressRecord(sim.client(), "default", "web");
            ProgressRecord.Progress seen = retry.read().orElseThrow();
            assertThat(seen.operation()).isEqualTo("restore");
            assertThat(seen.runId()).isEqualTo("restore-now");
            assertThat(seen.completed("scaled-to-zero")).isTrue();
            assertThat(seen.completed("members-restored")).isFalse();
            assertThat(seen.data()).containsEntry("snapshot", "s3://b/etcd/20261124T100000Z-r42.db");
            assertThat(seen.phase()).isEqualTo("restoring");

            ProgressRecord.Progress next = retry.write(seen.withCompleted("members-restored"), "restore-now-bbbbb");
            assertThat(next.holder()).isEqualTo("restore-now-bbbbb");
            assertThat(retry.read().orElseThrow().completedSteps()).containsExactly("scaled-to-zero", "members-restored");
            assertThat(sim.client().apps().statefulSets().withName("web").get().getMetadata().getGeneration())
                    .as("an annotation does not change the spec").isEqualTo(generation);

            retry.clear();
            assertThat(retry.read()).isEmpty();
            assertThat(sim.client().apps().statefulSets().withName("web").get().getMetadata().getAnnotations())
                    .doesNotContainKey(ProgressRecord.ANNOTATION);
        }
    }

    @Test
    void anUnreadableRecordMeansReplanningFromScratch() {
        try (KubeSimulation sim = KubeSimulation.start()) {
            StatefulSet sts = Fixtures.statefulSet(Fixtures.NOT_ETCD);
            sts.getSpec().setReplicas(0);
            sts.getMetadata().getAnnotations().put(ProgressRecord.ANNOTATION, "{not json");
            sim.apply(sts);
            assertThat(new ProgressRecord(sim.client(), "default", "web").read()).isEmpty();
        }
    }
}
