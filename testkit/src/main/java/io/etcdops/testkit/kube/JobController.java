package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The Job controller of the simulation, for the Jobs etcd-ops runs (one pod at a time: {@code completions} and
 * {@code parallelism} of 1): a pod {@code <job>-<5 chars>} from the template; a failed pod is replaced until more than
 * {@code backoffLimit} (default 6) failures, counting container restarts under {@code restartPolicy: OnFailure};
 * {@code activeDeadlineSeconds} stops it; {@code suspend} is honoured. Status {@code active}, {@code ready},
 * {@code succeeded}, {@code failed}, {@code startTime}, {@code completionTime} and a {@code Complete} or
 * {@code Failed} condition follow. Not simulated: indexed and parallel Jobs, {@code ttlSecondsAfterFinished},
 * pod failure policies, the backoff delay between pods.
 */
final class JobController {
    static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final SimulationContext sim;

    JobController(SimulationContext sim) {
        this.sim = sim;
    }

    void sync() {
        List<Job> jobs = sim.client().batch().v1().jobs().inAnyNamespace().list().getItems();
        List<Pod> pods = sim.client().pods().inAnyNamespace().list().getItems();
        Set<String> uids = jobs.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
        for (Job job : jobs) {
            List<Pod> owned = pods.stream().filter(p -> StatefulSetController.ownedBy(p, job.getMetadata().getUid())).toList();
            reconcile(job, owned);
        }
        for (Pod p : pods) {
            OwnerReference ref = StatefulSetController.controllerOf(p);
            if (ref != null && "Job".equals(ref.getKind()) && !uids.contains(ref.getUid()) && p.getMetadata().getDeletionTimestamp() == null) {
                delete(p);
            }
        }
    }

    private void reconcile(Job job, List<Pod> pods) {
        JobStatus old = job.getStatus() == null ? new JobStatus() : job.getStatus();
        if (finished(old)) {
            return;
        }
        boolean onFailure = "OnFailure".equals(job.getSpec().getTemplate().getSpec().getRestartPolicy());
        int succeeded = (int) pods.stream().filter(p -> "Succeeded".equals(phase(p))).count();
        int failed = (int) pods.stream().filter(p -> "Failed".equals(phase(p))).count();
        List<Pod> active = pods.stream().filter(p -> !"Succeeded".equals(phase(p)) && !"Failed".equals(phase(p))
                && p.getMetadata().getDeletionTimestamp() == null).toList();
        if (onFailure) {
            failed += active.stream().mapToInt(JobController::restarts).sum();
        }
        int backoffLimit = Optional.ofNullable(job.getSpec().getBackoffLimit()).orElse(6);
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        String startTime = old.getStartTime();
        if (startTime == null && !suspended) {
            startTime = PodRuntime.ts(Instant.now());
        }
        List<JobCondition> conditions = new ArrayList<>();
        String completionTime = null;
        if (succeeded >= 1) {
            completionTime = PodRuntime.ts(Instant.now());
            conditions.add(condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"));
            conditions.add(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"));
        } else if (failed > backoffLimit) {
            conditions.add(condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
            conditions.add(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        } else if (startTime != null && job.getSpec().getActiveDeadlineSeconds() != null
                && Instant.parse(startTime).plus(Duration.ofSeconds(job.getSpec().getActiveDeadlineSeconds())).isBefore(Instant.now())) {
            conditions.add(condition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline"));
            conditions.add(condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"));
        }
        boolean done = !conditions.isEmpty();
        if (done || suspended) {
            active.forEach(this::delete);
        } else if (active.isEmpty()) {
            create(job);
        }
        int ready = (int) active.stream().filter(StatefulSetController::ready).count();
        JobStatus status = new JobStatusBuilder().withStartTime(startTime).withCompletionTime(completionTime)
                .withActive(done || suspended ? 0 : Math.max(active.size(), 1)).withReady(done ? 0 : ready)
                .withSucceeded(succeeded).withFailed(failed).withConditions(conditions).build();
        if (!Serialization.asJson(status).equals(Serialization.asJson(old))) {
            job.setStatus(status);
            try {
                sim.client().batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(job).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private void create(Job job) {
        String name = job.getMetadata().getName() + "-" + suffix();
        PodSpec spec = Serialization.unmarshal(Serialization.asJson(job.getSpec().getTemplate().getSpec()), PodSpec.class);
        Map<String, String> labels = new LinkedHashMap<>();
        var tm = job.getSpec().getTemplate().getMetadata();
        if (tm != null && tm.getLabels() != null) {
            labels.putAll(tm.getLabels());
        }
        labels.put(JOB_NAME_LABEL, job.getMetadata().getName());
        labels.put("job-name", job.getMetadata().getName());
        labels.put("batch.kubernetes.io/controller-uid", job.getMetadata().getUid());
        labels.put("controller-uid", job.getMetadata().getUid());
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(tm == null || tm.getAnnotations() == null ? Map.of() : tm.getAnnotations())
                .withOwnerReferences(StatefulSetController.ownerReference(job)).endMetadata().withSpec(spec).build();
        sim.client().resource(pod).create();
    }

    private void delete(Pod p) {
        sim.client().pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
    }

    static boolean finished(JobStatus s) {
        return s.getConditions().stream().anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                && "True".equals(c.getStatus()));
    }

    private static int restarts(Pod p) {
        return p.getStatus() == null ? 0 : p.getStatus().getContainerStatuses().stream().mapToInt(ContainerStatus::getRestartCount).sum();
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static JobCondition condition(String type, String reason, String message) {
        String now = PodRuntime.ts(Instant.now());
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    private static String suffix() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            sb.append(ALPHABET.charAt(ThreadLocalRandom.current().nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
