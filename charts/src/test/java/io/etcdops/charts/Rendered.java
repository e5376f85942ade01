package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The objects of one `helm template` run, parsed into fabric8's typed model (CRDs as GenericKubernetesResource). */
record Rendered(List<HasMetadata> objects, String yaml) {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Pattern DOC_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

    static Rendered parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : DOC_SEPARATOR.split(yaml)) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Object o = SERIALIZATION.unmarshal(doc);
            if (!(o instanceof HasMetadata h)) {
                throw new AssertionError("not a Kubernetes object: " + o + "\n" + doc);
            }
            objects.add(h);
        }
        return new Rendered(List.copyOf(objects), yaml);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in "
                + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    List<GenericKubernetesResource> generic(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(g -> g.getKind().equals(kind)).toList();
    }

    /** The CronJob of a job key (backup, restore, drill, health, replacer, upgrade) of the default release. */
    CronJob cronJob(String job) {
        return get(CronJob.class, Helm.RELEASE + "-" + job);
    }

    Optional<CronJob> findCronJob(String job) {
        return find(CronJob.class, Helm.RELEASE + "-" + job);
    }

    static PodSpec pod(CronJob c) {
        return c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    }

    /** The etcd-ops container (the first, by convention named after the job). */
    static Container main(CronJob c) {
        return pod(c).getContainers().get(0);
    }

    static Container container(CronJob c, String name) {
        return pod(c).getContainers().stream().filter(k -> k.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(c.getMetadata().getName() + " has no container " + name));
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(e -> e.getValue()).findFirst().orElse(null);
    }

    static List<String> envNames(Container c) {
        return c.getEnv().stream().map(e -> e.getName()).toList();
    }
}
