package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns one pod's spec into what its processes get: volumes as host folders, each container's environment (env,
 * envFrom, downward API, Secret/ConfigMap keys, {@code $(VAR)} expansion) and its argv with mount paths mapped to
 * those folders.
 *
 * <p>There are no mount namespaces for volumes: a value in a container's args or env that starts with one of its
 * {@code mountPath}s is rewritten to the host folder (longest mount first, one pass). etcd's {@code --data-dir} and
 * {@code --wal-dir} outside every mount go under the container's own scratch folder (its writable layer), so nothing is
 * ever written to the host's real {@code /var/lib/etcd}.
 */
final class PodSandbox {
    private static final Pattern VAR_REF = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern FIELD_KEY = Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");
    private static final Set<String> ETCD_DIR_FLAGS = Set.of("--data-dir", "--wal-dir");
    private static final Set<String> ETCD_DIR_ENV = Set.of("ETCD_DATA_DIR", "ETCD_WAL_DIR");

    private final SimulationContext sim;
    private final KubernetesClient client;
    private final Volumes volumes;
    private final Pod pod;
    private final String podIp;
    private final Path podDir;
    private final Map<String, Path> volumeDirs = new HashMap<>();

    PodSandbox(SimulationContext sim, Pod pod, String podIp) {
        this.sim = sim;
        this.client = sim.client();
        this.volumes = sim.volumes();
        this.pod = pod;
        this.podIp = podIp;
        this.podDir = volumes.podDir(namespace(), pod.getMetadata().getName(), pod.getMetadata().getUid());
    }

    Path podDir() {
        return podDir;
    }

    /** Materialises every volume of the pod; a missing PVC, Secret or ConfigMap is a {@link ContainerConfigException}. */
    void prepareVolumes() {
        for (Volume v : pod.getSpec().getVolumes()) {
            if (volumeDirs.containsKey(v.getName())) {
                continue;
            }
            volumeDirs.put(v.getName(), materialise(v));
        }
    }

    private Path materialise(Volume v) {
        if (v.getPersistentVolumeClaim() != null) {
            String claim = v.getPersistentVolumeClaim().getClaimName();
            PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace()).withName(claim).get();
            if (pvc == null) {
                throw new ContainerConfigException("persistentvolumeclaim \"" + claim + "\" not found");
            }
            if (pvc.getMetadata().getDeletionTimestamp() != null) {
                throw new ContainerConfigException("persistentvolumeclaim \"" + claim + "\" is being deleted");
            }
            return sim.claimDir(pvc);
        }
        if (v.getEmptyDir() != null) {
            return Volumes.mkdirs(podDir.resolve("volumes").resolve(v.getName()));
        }
        if (v.getHostPath() != null) {
            return volumes.hostPathDir(v.getHostPath().getPath());
        }
        if (v.getSecret() != null) {
            Secret s = client.secrets().inNamespace(namespace()).withName(v.getSecret().getSecretName()).get();
            if (s == null) {
                if (Boolean.TRUE.equals(v.getSecret().getOptional())) {
                    return Volumes.mkdirs(podDir.resolve("volumes").resolve(v.getName()));
                }
                throw new ContainerConfigException("secret \"" + v.getSecret().getSecretName() + "\" not found");
            }
            return writeFiles(v.getName(), secretData(s), v.getSecret().getItems());
        }
        if (v.getConfigMap() != null) {
            ConfigMap cm = client.configMaps().inNamespace(namespace()).withName(v.getConfigMap().getName()).get();
            if (cm == null) {
                if (Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                    return Volumes.mkdirs(podDir.resolve("volumes").resolve(v.getName()));
                }
                throw new ContainerConfigException("configmap \"" + v.getConfigMap().getName() + "\" not found");
            }
            return writeFiles(v.getName(), configMapData(cm), v.getConfigMap().getItems());
        }
        if (v.getProjected() != null || v.getDownwardAPI() != null) {
            return writeFiles(v.getName(), ProjectedFiles.of(v, this), List.of());
        }
        throw new UnsupportedContainerException("volume " + v.getName() + " of pod " + pod.getMetadata().getName()
                + ": only persistentVolumeClaim, emptyDir, hostPath, secret, configMap, downwardAPI and projected volumes are simulated");
    }

    private Path writeFiles(String volume, Map<String, byte[]> data, List<KeyToPath> items) {
        Path dir = Volumes.mkdirs(podDir.resolve("volumes").resolve(volume));
        Map<String, String> paths = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.keySet().forEach(k -> paths.put(k, k));
        } else {
            items.forEach(i -> paths.put(i.getKey(), i.getPath()));
        }
        try {
            for (Map.Entry<String, String> e : paths.entrySet()) {
                byte[] bytes = data.get(e.getKey());
                if (bytes == null) {
                    throw new ContainerConfigException("volume " + volume + ": key " + e.getKey() + " not found");
                }
                Path f = dir.resolve(e.getValue());
                Files.createDirectories(f.getParent());
                Files.write(f, bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** The container's host-side mounts: mountPath (no trailing slash) to folder, longest first. */
    Map<String, Path> mounts(Container c) {
        Map<String, Path> m = new LinkedHashMap<>();
        List<VolumeMount> sorted = new ArrayList<>(c.getVolumeMounts());
        sorted.sort(Comparator.comparingInt((VolumeMount vm) -> vm.getMountPath().length()).reversed());
        for (VolumeMount vm : sorted) {
            Path dir = volumeDirs.get(vm.getName());
            if (dir == null) {
                throw new UnsupportedContainerException("container " + c.getName() + " mounts volume " + vm.getName()
                        + " that the pod does not declare");
            }
            if (vm.getSubPath() != null && !vm.getSubPath().isEmpty()) {
                dir = Volumes.mkdirs(dir.resolve(vm.getSubPath()));
            }
            String path = vm.getMountPath().replaceAll("/+$", "");
            if (!path.isEmpty()) {
                m.put(path, dir);
            }
        }
        return m;
    }

    /** The container's environment, in Kubernetes order: HOSTNAME, envFrom, then env with {@code $(VAR)} expansion. */
    Map<String, String> environment(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOSTNAME", Optional.ofNullable(pod.getSpec().getHostname()).orElse(pod.getMetadata().getName()));
        env.putAll(sim.serviceEnv());
        for (EnvFromSource from : c.getEnvFrom()) {
            String prefix = Optional.ofNullable(from.getPrefix()).orElse("");
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = client.configMaps().inNamespace(namespace()).withName(from.getConfigMapRef().getName()).get();
                if (cm == null && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                    throw new ContainerConfigException("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                }
                if (cm != null) {
                    configMapData(cm).forEach((k, v) -> env.put(prefix + k, new String(v, StandardCharsets.UTF_8)));
                }
            }
            if (from.getSecretRef() != null) {
                Secret s = client.secrets().inNamespace(namespace()).withName(from.getSecretRef().getName()).get();
                if (s == null && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                    throw new ContainerConfigException("secret \"" + from.getSecretRef().getName() + "\" not found");
                }
                if (s != null) {
                    secretData(s).forEach((k, v) -> env.put(prefix + k, new String(v, StandardCharsets.UTF_8)));
                }
            }
        }
        for (EnvVar e : c.getEnv()) {
            String value = e.getValueFrom() != null ? valueFrom(c, e) : expand(Optional.ofNullable(e.getValue()).orElse(""), env);
            if (value != null) {
                env.put(e.getName(), value);
            }
        }
        return env;
    }

    private String valueFrom(Container c, EnvVar e) {
        EnvVarSource src = e.getValueFrom();
        if (src.getFieldRef() != null) {
            return field(src.getFieldRef().getFieldPath());
        }
        if (src.getSecretKeyRef() != null) {
            var ref = src.getSecretKeyRef();
            Secret s = client.secrets().inNamespace(namespace()).withName(ref.getName()).get();
            byte[] v = s == null ? null : secretData(s).get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ContainerConfigException("secret \"" + ref.getName() + "\" key " + ref.getKey() + " not found");
            }
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }
        if (src.getConfigMapKeyRef() != null) {
            var ref = src.getConfigMapKeyRef();
            ConfigMap cm = client.configMaps().inNamespace(namespace()).withName(ref.getName()).get();
            byte[] v = cm == null ? null : configMapData(cm).get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ContainerConfigException("configmap \"" + ref.getName() + "\" key " + ref.getKey() + " not found");
            }
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }
        throw new UnsupportedContainerException("container " + c.getName() + " env " + e.getName()
                + ": only fieldRef, secretKeyRef and configMapKeyRef are simulated");
    }

    /** The downward API fields the simulation knows. */
    String field(String path) {
        switch (path) {
            case "metadata.name":
                return pod.getMetadata().getName();
            case "metadata.namespace":
                return namespace();
            case "metadata.uid":
                return pod.getMetadata().getUid();
            case "status.podIP":
            case "status.podIPs":
                return podIp;
            case "status.hostIP":
            case "status.hostIPs":
                return "127.0.0.1";
            case "spec.nodeName":
                return sim.nodeName();
            case "spec.serviceAccountName":
                return Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
            default:
                Matcher m = FIELD_KEY.matcher(path);
                if (m.matches()) {
                    Map<String, String> map = m.group(1).equals("labels") ? pod.getMetadata().getLabels() : pod.getMetadata().getAnnotations();
                    return map == null ? "" : map.getOrDefault(m.group(2), "");
                }
                throw new UnsupportedContainerException("downward API field " + path + " is not simulated");
        }
    }

    /** Kubernetes' {@code $(VAR)} expansion: known names replaced, unknown left as written, {@code $$} is {@code $}. */
    static String expand(String s, Map<String, String> vars) {
        Matcher m = VAR_REF.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String rep;
            if (m.group().equals("$$")) {
                rep = "$";
            } else {
                rep = vars.getOrDefault(m.group(1), m.group());
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * A value with every mount path prefix replaced by the mount's folder, in one pass (a folder is never rewritten
     * again by a shorter mount such as {@code /tmp}).
     */
    static String mapPaths(String value, Map<String, Path> mounts) {
        if (value == null || mounts.isEmpty()) {
            return value;
        }
        String alternatives = mounts.keySet().stream().map(Pattern::quote).collect(Collectors.joining("|"));
        Pattern p = Pattern.compile("(?<=^|[=,:\\s])(" + alternatives + ")(?=/|$|[,:\\s])");
        Matcher m = p.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** etcd data/WAL dirs not under a mount go to the container's scratch folder ({@code rootfs}). */
    static List<String> etcdDirsIntoRootfs(List<String> argv, Path rootfs, Path simulationRoot) {
        List<String> out = new ArrayList<>(argv);
        for (int i = 1; i < out.size(); i++) {
            String a = out.get(i);
            int eq = a.indexOf('=');
            String flag = eq > 0 ? a.substring(0, eq) : a;
            String norm = flag.startsWith("--") ? flag : "-" + flag;
            if (!ETCD_DIR_FLAGS.contains(norm)) {
                continue;
            }
            if (eq > 0) {
                out.set(i, flag + "=" + intoRootfs(a.substring(eq + 1), rootfs, simulationRoot));
            } else if (i + 1 < out.size()) {
                out.set(i + 1, intoRootfs(out.get(i + 1), rootfs, simulationRoot));
            }
        }
        return out;
    }

    static void etcdEnvDirsIntoRootfs(Map<String, String> env, Path rootfs, Path simulationRoot) {
        for (String k : ETCD_DIR_ENV) {
            env.computeIfPresent(k, (key, v) -> intoRootfs(v, rootfs, simulationRoot));
        }
    }

    private static String intoRootfs(String dir, Path rootfs, Path simulationRoot) {
        if (!dir.startsWith("/") || dir.startsWith(simulationRoot.toString())) {
            return dir;
        }
        return rootfs + dir;
    }

    private String namespace() {
        return pod.getMetadata().getNamespace();
    }

    Pod pod() {
        return pod;
    }

    SimulationContext context() {
        return sim;
    }

    Secret secret(String name) {
        return client.secrets().inNamespace(namespace()).withName(name).get();
    }

    ConfigMap configMap(String name) {
        return client.configMaps().inNamespace(namespace()).withName(name).get();
    }

    static Map<String, byte[]> secretData(Secret s) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
        }
        if (s.getStringData() != null) {
            s.getStringData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    static Map<String, byte[]> configMapData(ConfigMap cm) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (cm.getData() != null) {
            cm.getData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (cm.getBinaryData() != null) {
            cm.getBinaryData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
        }
        return out;
    }
}
