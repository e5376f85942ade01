package io.etcdops.replacer;

import io.etcdops.core.etcd.Alarm;
import io.etcdops.core.etcd.ClusterView;
import io.etcdops.core.etcd.EtcdSession;
import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.etcd.MemberStatus;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.runtime.JobException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ClusterView} whose per-member status calls go through the {@link EndpointResolver}: members advertise pod
 * DNS names, which only resolve inside the cluster (or through the test simulation's resolver). core's
 * {@code EtcdSession.view()} dials the advertised URLs as they are, so it cannot be used from a test JVM.
 */
final class ClusterProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterProbe.class);

    private final EtcdSession session;
    private final EndpointResolver resolver;

    ClusterProbe(EtcdSession session, EndpointResolver resolver) {
        this.session = session;
        this.resolver = resolver;
    }

    ClusterView view() {
        List<MemberInfo> members = session.memberList();
        long clusterId = session.clusterId();
        List<CompletableFuture<MemberStatus>> futures = members.stream()
                .map(m -> CompletableFuture.supplyAsync(() -> status(m))).toList();
        List<MemberStatus> statuses = futures.stream().map(CompletableFuture::join).toList();
        List<Alarm> alarms;
        try {
            alarms = session.alarms();
        } catch (JobException e) {
            LOG.warn("could not list alarms: {}", e.getMessage());
            alarms = List.of();
        }
        return new ClusterView(clusterId, members, statuses, alarms);
    }

    /** The member's own answer (Maintenance.Status on its first advertised client URL); never throws. */
    MemberStatus status(MemberInfo member) {
        if (member.clientUrls().isEmpty()) {
            return MemberStatus.unreachable(member, null, "member has not started (no client URLs)");
        }
        return statusAt(member, resolver.resolve(member.clientUrls().get(0)));
    }

    /** Status of whatever answers at {@code endpoint} (e.g. a seed pod's address), reported as {@code member}. */
    MemberStatus statusAt(MemberInfo member, URI endpoint) {
        return session.status(member, endpoint);
    }
}
