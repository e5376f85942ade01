package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the API server would reject, as far as fabric8's typed model can tell without a server: fields the model does
 * not know (typos, wrong nesting: they land in additionalProperties), names and labels that break Kubernetes' syntax,
 * mounts of undeclared volumes, volumes with zero or two sources, unparsable quantities, env vars with value and
 * valueFrom, Job pods that could restart, bindings to Roles that are not rendered. Returns the problems found.
 */
final class ManifestChecks {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");

    private ManifestChecks() {
    }

    static List<String> problems(Rendered r) {
        List<String> p = new ArrayList<>();
        for (HasMetadata o : r.objects()) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            if (!(o instanceof GenericKubernetesResource)) {
                unknownFields(o, id, p, new IdentityHashMap<>());
            }
            metadata(o, id, p);
            if (o instanceof CronJob c) {
                cronJob(c, id, p);
            }
            if (o instanceof Role role) {
                role.getRules().forEach(rule -> {
                    if (rule.getVerbs().isEmpty() || rule.getResources().isEmpty()) {
                        p.add(id + ": a rule without verbs or resources");
                    }
                });
            }
            if (o instanceof RoleBinding b) {
                if (!"Role".equals(b.getRoleRef().getKind()) || r.find(Role.class, b.getRoleRef().getName()).isEmpty()) {
                    p.add(id + ": binds " + b.getRoleRef().getKind() + " " + b.getRoleRef().getName() + ", which is not rendered");
                }
            }
        }
        return p;
    }

    private static void metadata(HasMetadata o, String id, List<String> p) {
        String name = o.getMetadata().getName();
        if (name == null || name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            p.add(id + ": invalid name");
        }
        Map<String, String> labels = o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
        labels.forEach((k, v) -> {
            if (!LABEL_NAME.matcher(k).matches() || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                p.add(id + ": invalid label " + k + "=" + v);
            }
        });
    }

    private static void cronJob(CronJob c, String id, List<String> p) {
        if (c.getMetadata().getName().length() > 52) {
            p.add(id + ": CronJob names longer than 52 characters are rejected");
        }
        if (c.getSpec().getSchedule() == null || c.getSpec().getSchedule().isBlank()) {
            p.add(id + ": no schedule");
        }
        if (!List.of("Allow", "Forbid", "Replace").contains(c.getSpec().getConcurrencyPolicy())) {
            p.add(id + ": concurrencyPolicy " + c.getSpec().getConcurrencyPolicy());
        }
        var jobSpec = c.getSpec().getJobTemplate().getSpec();
        Stream.of(jobSpec.getBackoffLimit(), jobSpec.getTtlSecondsAfterFinished(), c.getSpec().getSuccessfulJobsHistoryLimit(),
                c.getSpec().getFailedJobsHistoryLimit()).filter(v -> v != null && v < 0).forEach(v -> p.add(id + ": negative count " + v));
        if (jobSpec.getActiveDeadlineSeconds() != null && jobSpec.getActiveDeadlineSeconds() <= 0) {
            p.add(id + ": activeDeadlineSeconds must be > 0");
        }
        Map<String, String> podLabels = jobSpec.getTemplate().getMetadata().getLabels();
        if (podLabels != null) {
            podLabels.forEach((k, v) -> {
                if (!LABEL_NAME.matcher(k).matches() || !LABEL_VALUE.matcher(v).matches()) {
                    p.add(id + ": invalid pod label " + k + "=" + v);
                }
            });
        }
        pod(jobSpec.getTemplate().getSpec(), id, p);
    }

    private static void pod(PodSpec pod, String id, List<String> p) {
        if (!List.of("Never", "OnFailure").contains(pod.getRestartPolicy())) {
            p.add(id + ": a Job pod's restartPolicy must be Never or OnFailure, not " + pod.getRestartPolicy());
        }
        if (pod.getContainers().isEmpty()) {
            p.add(id + ": no containers");
        }
        Set<String> volumes = new HashSet<>();
        for (Volume v : pod.getVolumes()) {
            if (!volumes.add(v.getName())) {
                p.add(id + ": duplicate volume " + v.getName());
            }
            long sources = Stream.of(v.getEmptyDir(), v.getSecret(), v.getConfigMap(), v.getProjected(), v.getPersistentVolumeClaim(),
                    v.getImage(), v.getHostPath(), v.getDownwardAPI(), v.getCsi(), v.getEphemeral(), v.getNfs()).filter(s -> s != null).count();
            if (sources != 1) {
                p.add(id + ": volume " + v.getName() + " has " + sources + " sources");
            }
            if (v.getEmptyDir() != null && v.getEmptyDir().getSizeLimit() != null) {
                quantity(v.getEmptyDir().getSizeLimit(), id + " volume " + v.getName(), p);
            }
            if (v.getSecret() != null && v.getSecret().getDefaultMode() != null
                    && (v.getSecret().getDefaultMode() < 0 || v.getSecret().getDefaultMode() > 0777)) {
                p.add(id + ": volume " + v.getName() + " defaultMode out of range");
            }
        }
        Set<String> containerNames = new HashSet<>();
        List<Container> all = new ArrayList<>(pod.getInitContainers());
        all.addAll(pod.getContainers());
        for (Container c : all) {
            String cid = id + " container " + c.getName();
            if (!containerNames.add(c.getName()) || !DNS_LABEL.matcher(c.getName()).matches()) {
                p.add(cid + ": duplicate or invalid name");
            }
            if (c.getImage() == null || c.getImage().isBlank() || c.getImage().contains(" ") || c.getImage().endsWith(":")) {
                p.add(cid + ": invalid image '" + c.getImage() + "'");
            }
            for (EnvVar e : c.getEnv()) {
                if (!ENV_NAME.matcher(e.getName()).matches()) {
                    p.add(cid + ": invalid env name " + e.getName());
                }
                if (e.getValue() != null && e.getValueFrom() != null) {
                    p.add(cid + ": env " + e.getName() + " has value and valueFrom");
                }
            }
            Set<String> paths = new HashSet<>();
            c.getVolumeMounts().forEach(m -> {
                if (!volumes.contains(m.getName())) {
                    p.add(cid + ": mounts undeclared volume " + m.getName());
                }
                if (!paths.add(m.getMountPath()) || !m.getMountPath().startsWith("/")) {
                    p.add(cid + ": duplicate or relative mountPath " + m.getMountPath());
                }
            });
            if (c.getResources() != null) {
                if (c.getResources().getRequests() != null) {
                    c.getResources().getRequests().forEach((k, q) -> quantity(q, cid + " request " + k, p));
                }
                if (c.getResources().getLimits() != null) {
                    c.getResources().getLimits().forEach((k, q) -> quantity(q, cid + " limit " + k, p));
                }
            }
        }
    }

    private static void quantity(Quantity q, String where, List<String> p) {
        try {
            Quantity.getAmountInBytes(q);
        } catch (RuntimeException e) {
            p.add(where + ": unparsable quantity " + q);
        }
    }

    /** Fields the model did not know end up in additionalProperties; any there is a typo or a misplaced field. */
    private static void unknownFields(Object o, String path, List<String> p, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", p, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, p, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Class<?> k = o.getClass(); k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object v;
                try {
                    v = f.get(o);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (f.getName().equals("additionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        p.add(path + ": fields the Kubernetes model does not know: " + extra.keySet());
                    }
                } else {
                    unknownFields(v, path + "." + f.getName(), p, seen);
                }
            }
        }
    }
}
