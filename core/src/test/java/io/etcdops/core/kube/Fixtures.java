package io.etcdops.core.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The manifests under src/test/resources/kube/. */
final class Fixtures {
    static final String DOCS = "/kube/etcd-docs-statefulset.yaml";
    static final String BITNAMI = "/kube/bitnami-statefulset.yaml";
    static final String NOT_ETCD = "/kube/not-etcd-statefulset.yaml";
    static final String EMPTYDIR = "/kube/emptydir-etcd-statefulset.yaml";
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private Fixtures() {
    }

    static List<HasMetadata> objects(String resource) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : text(resource).split("(?m)^---\\s*$")) {
            if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
                out.add(YAML.unmarshal(doc));
            }
        }
        return out;
    }

    static StatefulSet statefulSet(String resource) {
        return objects(resource).stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast).findFirst().orElseThrow();
    }

    static InputStream stream(String resource) {
        return Fixtures.class.getResourceAsStream(resource);
    }

    private static String text(String resource) {
        try (InputStream in = stream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
