package io.etcdops.restore;

import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Who the restore pods act as on a member's volume: the StatefulSet's own pod identity, so the restored files belong
 * to the user etcd runs as and our fetch/swap containers may rename etcd's directories.
 * <ul>
 *   <li>pod level: a copy of the StatefulSet template's pod security context (runAsUser, fsGroup, seccomp, ...);</li>
 *   <li>the etcd restore container: a copy of the etcd container's security context (same image, same user);</li>
 *   <li>fetch and swap (this image, whose default user is 65532): the etcd container's context too, and when neither
 *       it nor the pod names a user, root — etcd's images (quay.io/coreos/etcd, registry.k8s.io/etcd) run as root
 *       by default and their {@code member/} dir is mode 0700, so a non-root swap could not move it. If the pod
 *       demands {@code runAsNonRoot} without naming a user, nothing is forced and a warning says so.</li>
 * </ul>
 */
final class RestorePodSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(RestorePodSecurity.class);

    private RestorePodSecurity() {
    }

    static PodSecurityContext pod(StatefulSetTarget t) {
        PodSecurityContext sc = t.statefulSet().getSpec().getTemplate().getSpec().getSecurityContext();
        return sc == null ? null : new PodSecurityContextBuilder(sc).build();
    }

    static SecurityContext etcdContainer(StatefulSetTarget t) {
        return etcd(t).map(Container::getSecurityContext).map(sc -> new SecurityContextBuilder(sc).build()).orElse(null);
    }

    /** For this image's containers that touch the volume (fetch, swap). */
    static SecurityContext ours(StatefulSetTarget t) {
        SecurityContext etcd = etcdContainer(t);
        PodSecurityContext pod = pod(t);
        boolean userNamed = (etcd != null && etcd.getRunAsUser() != null) || (pod != null && pod.getRunAsUser() != null);
        if (userNamed) {
            return etcd;
        }
        boolean nonRootRequired = Boolean.TRUE.equals(etcd != null ? etcd.getRunAsNonRoot() : null)
                || Boolean.TRUE.equals(pod != null ? pod.getRunAsNonRoot() : null);
        if (nonRootRequired) {
            LOG.warn("StatefulSet {} requires runAsNonRoot but names no user: the restore pods' fetch/swap containers run as "
                    + "this image's user 65532, which must be able to write the data volume (set runAsUser or fsGroup)", t.name());
            return etcd;
        }
        return new SecurityContextBuilder(etcd == null ? new SecurityContext() : etcd).withRunAsUser(0L).withRunAsGroup(0L)
                .withRunAsNonRoot(false).build();
    }

    private static Optional<Container> etcd(StatefulSetTarget t) {
        return t.statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(t.etcdContainer())).findFirst();
    }
}
