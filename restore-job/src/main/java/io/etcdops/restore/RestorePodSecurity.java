package io.etcdops.restore;

import io.etcdops.core.kube.EtcdUser;
import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;

import java.util.Optional;

/**
 * Who the restore pods act as on a member's volume: the StatefulSet's own pod identity, so the restored files belong
 * to the user etcd runs as and our fetch/swap containers may rename etcd's directories.
 * <ul>
 *   <li>pod level: a copy of the StatefulSet template's pod security context (runAsUser, fsGroup, seccomp, ...);</li>
 *   <li>the etcd restore container: a copy of the etcd container's security context (same image, same user);</li>
 *   <li>fetch and swap (this image, whose default user is 65532): etcd's user, see {@link EtcdUser}.</li>
 * </ul>
 */
final class RestorePodSecurity {
    private RestorePodSecurity() {
    }

    static PodSecurityContext pod(StatefulSetTarget t) {
        PodSecurityContext sc = t.statefulSet().getSpec().getTemplate().getSpec().getSecurityContext();
        return sc == null ? null : new PodSecurityContextBuilder(sc).build();
    }

    static SecurityContext etcdContainer(StatefulSetTarget t) {
        return etcd(t).map(Container::getSecurityContext).map(sc -> new SecurityContextBuilder(sc).build()).orElse(null);
    }

    /** For this image's containers that touch the volume (fetch, swap): etcd's user ({@link EtcdUser}). */
    static SecurityContext ours(StatefulSetTarget t) {
        return EtcdUser.sameAs(etcdContainer(t), pod(t));
    }

    private static Optional<Container> etcd(StatefulSetTarget t) {
        return t.statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(t.etcdContainer())).findFirst();
    }
}
