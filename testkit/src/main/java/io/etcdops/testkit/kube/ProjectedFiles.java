package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a {@code projected} or {@code downwardAPI} volume: ServiceAccount tokens (a real TokenRequest, bound
 * to the pod, on the real control plane), ConfigMap and Secret keys, downward API fields. This is what ServiceAccount
 * admission's {@code kube-api-access-*} volume becomes: {@code token}, {@code ca.crt} (ConfigMap
 * {@code kube-root-ca.crt}) and {@code namespace}. Written once at pod start: tokens are not rotated (they live
 * for the projection's {@code expirationSeconds}, an hour by default, longer than any test).
 */
final class ProjectedFiles {
    private ProjectedFiles() {
    }

    static Map<String, byte[]> of(Volume v, PodSandbox sandbox) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (v.getDownwardAPI() != null) {
            downward(v.getDownwardAPI().getItems(), sandbox, files);
            return files;
        }
        for (VolumeProjection src : v.getProjected().getSources()) {
            if (src.getServiceAccountToken() != null) {
                var t = src.getServiceAccountToken();
                String token = sandbox.context().serviceAccountToken(sandbox.pod(), t.getAudience(), t.getExpirationSeconds());
                files.put(t.getPath(), token.getBytes(StandardCharsets.UTF_8));
            } else if (src.getConfigMap() != null) {
                var ref = src.getConfigMap();
                ConfigMap cm = sandbox.configMap(ref.getName());
                if (cm == null && !Boolean.TRUE.equals(ref.getOptional())) {
                    throw new ContainerConfigException("configmap \"" + ref.getName() + "\" not found");
                }
                if (cm != null) {
                    keys(PodSandbox.configMapData(cm), ref.getItems(), "configmap " + ref.getName(), files);
                }
            } else if (src.getSecret() != null) {
                var ref = src.getSecret();
                Secret s = sandbox.secret(ref.getName());
                if (s == null && !Boolean.TRUE.equals(ref.getOptional())) {
                    throw new ContainerConfigException("secret \"" + ref.getName() + "\" not found");
                }
                if (s != null) {
                    keys(PodSandbox.secretData(s), ref.getItems(), "secret " + ref.getName(), files);
                }
            } else if (src.getDownwardAPI() != null) {
                downward(src.getDownwardAPI().getItems(), sandbox, files);
            } else {
                throw new UnsupportedContainerException("volume " + v.getName() + ": only serviceAccountToken, configMap, "
                        + "secret and downwardAPI projections are simulated");
            }
        }
        return files;
    }

    private static void keys(Map<String, byte[]> data, List<KeyToPath> items, String what, Map<String, byte[]> files) {
        if (items == null || items.isEmpty()) {
            files.putAll(data);
            return;
        }
        for (KeyToPath i : items) {
            byte[] bytes = data.get(i.getKey());
            if (bytes == null) {
                throw new ContainerConfigException(what + ": key " + i.getKey() + " not found");
            }
            files.put(i.getPath(), bytes);
        }
    }

    private static void downward(List<DownwardAPIVolumeFile> items, PodSandbox sandbox, Map<String, byte[]> files) {
        for (DownwardAPIVolumeFile f : items) {
            if (f.getFieldRef() == null) {
                throw new UnsupportedContainerException("downwardAPI " + f.getPath() + ": only fieldRef is simulated");
            }
            files.put(f.getPath(), sandbox.field(f.getFieldRef().getFieldPath()).getBytes(StandardCharsets.UTF_8));
        }
    }
}
