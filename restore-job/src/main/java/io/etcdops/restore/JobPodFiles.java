package io.etcdops.restore;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The files the restore job's own container sees from Secrets and ConfigMaps (an encryption key file, a GCS key file,
 * a CA bundle), handed on to the restore pods' fetch container at the same paths: what the job was told with
 * {@code --encryption-key-file} or {@code GOOGLE_APPLICATION_CREDENTIALS} must exist there too. Service-account token
 * projections are not copied (each pod gets its own account's), nor are emptyDirs or claims.
 */
record JobPodFiles(List<Volume> volumes, List<VolumeMount> mounts) {
    static final String PREFIX = "job-";

    static JobPodFiles none() {
        return new JobPodFiles(List.of(), List.of());
    }

    /** The Secret/ConfigMap volumes of {@code self} mounted by its first container, renamed {@code job-<name>}. */
    static JobPodFiles of(Pod self) {
        List<Volume> copied = self.getSpec().getVolumes() == null ? List.of() : self.getSpec().getVolumes().stream()
                .filter(JobPodFiles::holdsConfigurationFiles)
                .map(v -> new VolumeBuilder(v).withName(PREFIX + v.getName()).build()).toList();
        Set<String> names = copied.stream().map(v -> v.getName().substring(PREFIX.length())).collect(Collectors.toSet());
        List<VolumeMount> mounts = self.getSpec().getContainers().get(0).getVolumeMounts() == null ? List.of()
                : self.getSpec().getContainers().get(0).getVolumeMounts().stream().filter(m -> names.contains(m.getName()))
                .map(m -> new VolumeMountBuilder(m).withName(PREFIX + m.getName()).withReadOnly(true).build()).toList();
        Set<String> mounted = mounts.stream().map(VolumeMount::getName).collect(Collectors.toSet());
        return new JobPodFiles(copied.stream().filter(v -> mounted.contains(v.getName())).toList(), mounts);
    }

    private static boolean holdsConfigurationFiles(Volume v) {
        if (v.getSecret() != null || v.getConfigMap() != null) {
            return true;
        }
        return v.getProjected() != null && v.getProjected().getSources() != null && !v.getProjected().getSources().isEmpty()
                && v.getProjected().getSources().stream().allMatch(s -> s.getServiceAccountToken() == null
                && s.getDownwardAPI() == null && (s.getSecret() != null || s.getConfigMap() != null));
    }
}
