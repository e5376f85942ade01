package io.etcdops.upgrade;

import io.etcdops.core.kube.StatefulSetTarget;
import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategy;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategyBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The few changes the upgrader makes to Kubernetes objects, and what it reads back: the StatefulSet's update strategy
 * and etcd image, and the pods. Writes are JSON patches computed by fabric8 ({@code edit}), so they touch only the
 * fields they change. RBAC: get/patch on statefulsets.apps, get/list/delete on pods.
 */
final class StatefulSetControl {
    /** Waiting reasons after which a container will not come up by itself. */
    private static final Set<String> STUCK = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");
    /** A crash-looping container is given up after this many restarts. */
    private static final int CRASH_RESTARTS = 3;
    private static final int EDIT_ATTEMPTS = 5;

    private final KubernetesClient client;
    private final StatefulSetTarget target;

    StatefulSetControl(KubernetesClient client, StatefulSetTarget target) {
        this.client = client;
        this.target = target;
    }

    StatefulSet statefulSet() {
        try {
            StatefulSet s = client.apps().statefulSets().inNamespace(target.namespace()).withName(target.name()).get();
            if (s == null) {
                throw JobException.failed("StatefulSet " + where() + " disappeared");
            }
            return s;
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot read StatefulSet " + where() + ": " + e.getMessage(), e);
        }
    }

    String templateImage(StatefulSet s) {
        return etcdContainer(s.getSpec().getTemplate().getSpec().getContainers()).map(Container::getImage).orElse("");
    }

    static String strategyType(StatefulSet s) {
        StatefulSetUpdateStrategy u = s.getSpec().getUpdateStrategy();
        return u == null || u.getType() == null ? "RollingUpdate" : u.getType();
    }

    /** The update strategy as JSON (what is written back at the end); RollingUpdate when unset, as Kubernetes defaults it. */
    static String strategyJson(StatefulSet s) {
        StatefulSetUpdateStrategy u = s.getSpec().getUpdateStrategy();
        return Serialization.asJson(u == null ? new StatefulSetUpdateStrategyBuilder().withType("RollingUpdate").build() : u);
    }

    /** Nothing replaces a pod behind our back from here on: only deleted pods come back, on the new template. */
    void useOnDelete() {
        edit("set updateStrategy OnDelete", s -> {
            s.getSpec().setUpdateStrategy(new StatefulSetUpdateStrategyBuilder().withType("OnDelete").build());
            return s;
        });
    }

    void restoreStrategy(String json) {
        StatefulSetUpdateStrategy u = Serialization.unmarshal(json, StatefulSetUpdateStrategy.class);
        edit("restore updateStrategy " + u.getType(), s -> {
            s.getSpec().setUpdateStrategy(u);
            return s;
        });
    }

    void setImage(String image) {
        edit("set the etcd image to " + image, s -> {
            etcdContainer(s.getSpec().getTemplate().getSpec().getContainers()).orElseThrow(() -> JobException.failed(
                    "StatefulSet " + where() + " has no container " + target.etcdContainer() + " any more")).setImage(image);
            return s;
        });
    }

    /** The image and the etcd container's args and env, in one template change ({@code --rewrite-flags}). */
    void setEtcdContainer(String image, java.util.List<String> args, java.util.List<io.fabric8.kubernetes.api.model.EnvVar> env) {
        edit("set the etcd image to " + image + " and rewrite its flags", s -> {
            Container c = etcdContainer(s.getSpec().getTemplate().getSpec().getContainers()).orElseThrow(() -> JobException.failed(
                    "StatefulSet " + where() + " has no container " + target.etcdContainer() + " any more"));
            c.setImage(image);
            c.setArgs(new java.util.ArrayList<>(args));
            c.setEnv(new java.util.ArrayList<>(env));
            return s;
        });
    }

    /** Sets ({@code value} non-null) or removes an annotation of the StatefulSet. */
    void annotate(String key, String value) {
        edit((value == null ? "remove" : "set") + " annotation " + key, s -> {
            var a = s.getMetadata().getAnnotations();
            if (a == null) {
                a = new java.util.LinkedHashMap<>();
                s.getMetadata().setAnnotations(a);
            }
            if (value == null) {
                a.remove(key);
            } else {
                a.put(key, value);
            }
            return s;
        });
    }

    /** The etcd container of the template as it is now. */
    Container templateContainer(StatefulSet s) {
        return etcdContainer(s.getSpec().getTemplate().getSpec().getContainers()).orElseThrow(() -> JobException.failed(
                "StatefulSet " + where() + " has no container " + target.etcdContainer()));
    }

    Optional<Pod> pod(String name) {
        try {
            return Optional.ofNullable(client.pods().inNamespace(target.namespace()).withName(name).get());
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot read pod " + target.namespace() + "/" + name + ": " + e.getMessage(), e);
        }
    }

    void deletePod(String name) {
        try {
            client.pods().inNamespace(target.namespace()).withName(name).delete();
        } catch (KubernetesClientException e) {
            throw JobException.failed("cannot delete pod " + target.namespace() + "/" + name
                    + (e.getCode() == 403 ? ": the job's ServiceAccount needs delete on pods" : ": " + e.getMessage()), e);
        }
    }

    String podImage(Pod p) {
        return etcdContainer(p.getSpec().getContainers()).map(Container::getImage).orElse("");
    }

    static boolean ready(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Why the etcd container will not come up without help (crash loop, image cannot be pulled), if so. */
    Optional<String> stuck(Pod p) {
        return etcdStatus(p).flatMap(cs -> {
            var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
            String reason = waiting == null ? null : waiting.getReason();
            if (reason != null && STUCK.contains(reason)) {
                return Optional.of(reason + (waiting.getMessage() == null ? "" : ": " + waiting.getMessage()));
            }
            int restarts = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
            if (restarts >= CRASH_RESTARTS) {
                return Optional.of("the etcd container crashed " + restarts + " times" + lastExit(cs));
            }
            return Optional.empty();
        });
    }

    /** Phase, readiness and the etcd container's state, for messages. */
    String describe(Pod p) {
        StringBuilder sb = new StringBuilder("pod ").append(p.getMetadata().getName()).append(": phase ")
                .append(p.getStatus() == null ? "-" : p.getStatus().getPhase()).append(ready(p) ? ", Ready" : ", not Ready");
        etcdStatus(p).ifPresent(cs -> {
            var st = cs.getState();
            if (st != null && st.getWaiting() != null) {
                sb.append(", waiting: ").append(st.getWaiting().getReason());
            }
            if (cs.getRestartCount() != null && cs.getRestartCount() > 0) {
                sb.append(", ").append(cs.getRestartCount()).append(" restarts").append(lastExit(cs));
            }
        });
        return sb.toString();
    }

    private static String lastExit(ContainerStatus cs) {
        var t = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
        return t == null ? "" : " (last exit code " + t.getExitCode() + (t.getMessage() == null || t.getMessage().isBlank()
                ? "" : ": " + t.getMessage().strip().lines().reduce((a, b) -> b).orElse("")) + ")";
    }

    private Optional<ContainerStatus> etcdStatus(Pod p) {
        if (p.getStatus() == null) {
            return Optional.empty();
        }
        return p.getStatus().getContainerStatuses().stream().filter(cs -> target.etcdContainer().equals(cs.getName())).findFirst();
    }

    private Optional<Container> etcdContainer(java.util.List<Container> containers) {
        return containers.stream().filter(c -> target.etcdContainer().equals(c.getName())).findFirst();
    }

    /** Re-reads and re-applies on a conflict (the StatefulSet controller writes the status all the time). */
    private void edit(String what, UnaryOperator<StatefulSet> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.apps().statefulSets().inNamespace(target.namespace()).withName(target.name()).edit(change);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409 && attempt < EDIT_ATTEMPTS) {
                    continue;
                }
                throw JobException.failed("cannot " + what + " on StatefulSet " + where()
                        + (e.getCode() == 403 ? ": the job's ServiceAccount needs patch on statefulsets.apps" : ": " + e.getMessage()), e);
            }
        }
    }

    private String where() {
        return target.namespace() + "/" + target.name();
    }
}
