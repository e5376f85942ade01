package io.etcdops.testkit.kube;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container image reference split the way registries do: {@code [registry/]path[:tag][@digest]}. The repository is
 * normalised so {@code bitnami/etcd}, {@code docker.io/bitnami/etcd} and {@code index.docker.io/bitnami/etcd} match.
 */
public record ImageRef(String repository, String tag, String digest) {
    private static final Pattern VERSION_TAG = Pattern.compile("^v?(\\d+\\.\\d+\\.\\d+)(?:[-+].*)?$");

    public static ImageRef parse(String image) {
        String s = image.trim();
        String digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            digest = s.substring(at + 1);
            s = s.substring(0, at);
        }
        String tag = null;
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            tag = s.substring(colon + 1);
            s = s.substring(0, colon);
        }
        return new ImageRef(normalise(s), tag, digest);
    }

    static String normalise(String repository) {
        String r = repository;
        for (String p : new String[] {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
            if (r.startsWith(p)) {
                r = r.substring(p.length());
            }
        }
        if (r.startsWith("library/")) {
            r = r.substring("library/".length());
        }
        return r;
    }

    /** The last path segment: {@code etcd} for {@code quay.io/coreos/etcd}. */
    public String name() {
        return repository.substring(repository.lastIndexOf('/') + 1);
    }

    /**
     * The etcd version a tag names: {@code v3.5.30} (quay.io/coreos, gcr.io/etcd-development), {@code 3.5.16-0}
     * (registry.k8s.io), {@code 3.5.30} and {@code 3.5.16-debian-12-r0} (Bitnami). Empty for a digest-only or
     * non-version tag.
     */
    public Optional<String> versionFromTag() {
        if (tag == null) {
            return Optional.empty();
        }
        Matcher m = VERSION_TAG.matcher(tag);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    public boolean isBitnami() {
        return repository.startsWith("bitnami") || repository.contains("/bitnami");
    }

    @Override
    public String toString() {
        return repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
