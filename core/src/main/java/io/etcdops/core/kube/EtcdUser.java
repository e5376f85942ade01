package io.etcdops.core.kube;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

/**
 * The identity a helper container needs to act on an etcd member's volume (wipe it, move its data aside): the user
 * etcd itself runs as. That is the etcd container's security context, else the pod's; when neither names a user nor
 * requires a non-root one, root — the default user of etcd's official images (quay.io/coreos/etcd,
 * registry.k8s.io/etcd), whose {@code member/} dir is mode 0700. Used by member-replacer's seed pod and restore-job's
 * restore pods, whose own image runs as 65532 by default.
 */
public final class EtcdUser {
    private EtcdUser() {
    }

    /** A new security context for a helper container; the etcd container's settings (capabilities, ...) are kept. */
    public static SecurityContext sameAs(SecurityContext etcdContainer, PodSecurityContext pod) {
        SecurityContextBuilder b = etcdContainer == null ? new SecurityContextBuilder() : new SecurityContextBuilder(etcdContainer);
        boolean named = (etcdContainer != null && etcdContainer.getRunAsUser() != null) || (pod != null && pod.getRunAsUser() != null);
        boolean nonRoot = Boolean.TRUE.equals(etcdContainer == null ? null : etcdContainer.getRunAsNonRoot())
                || Boolean.TRUE.equals(pod == null ? null : pod.getRunAsNonRoot());
        if (!named && !nonRoot) {
            b.withRunAsUser(0L);
        }
        return b.build();
    }
}
