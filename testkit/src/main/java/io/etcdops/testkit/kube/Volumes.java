package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Storage of the simulation: each PersistentVolumeClaim is a host folder named after the claim and its uid, so a
 * claim deleted and created again under the same name starts empty — a dynamically provisioned volume with reclaim
 * policy {@code Delete}. The folder is removed when its claim is gone (the claim's protection finalizer keeps it
 * while a pod still uses it).
 */
final class Volumes {
    private final Path root;
    private final Map<String, Path> byClaimUid = new ConcurrentHashMap<>();

    Volumes(Path root) {
        this.root = root;
    }

    Path claimDir(PersistentVolumeClaim pvc) {
        String uid = pvc.getMetadata().getUid();
        return byClaimUid.computeIfAbsent(uid, u -> mkdirs(root.resolve("pvc").resolve(pvc.getMetadata().getNamespace())
                .resolve(pvc.getMetadata().getName() + "-" + shortUid(u))));
    }

    Optional<Path> existingClaimDir(String uid) {
        return Optional.ofNullable(byClaimUid.get(uid));
    }

    /** Deletes the folders of claims that no longer exist. */
    void reclaim(Set<String> liveClaimUids) {
        for (Map.Entry<String, Path> e : Map.copyOf(byClaimUid).entrySet()) {
            if (!liveClaimUids.contains(e.getKey())) {
                byClaimUid.remove(e.getKey());
                deleteTree(e.getValue());
            }
        }
    }

    Path podDir(String namespace, String pod, String uid) {
        return mkdirs(root.resolve("pods").resolve(namespace + "_" + pod + "_" + shortUid(uid)));
    }

    Path hostPathDir(String path) {
        return mkdirs(root.resolve("hostpath").resolve(path.replaceFirst("^/+", "")));
    }

    static String shortUid(String uid) {
        String s = uid.replace("-", "");
        return s.substring(Math.max(0, s.length() - 8));
    }

    static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }

    static void deleteTree(Path dir) {
        io.etcdops.testkit.Folders.delete(dir);
    }
}
