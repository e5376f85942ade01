package io.etcdops.upgrade;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.kube.EndpointResolver;
import io.etcdops.core.kube.StatefulSetTarget;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which pod of the StatefulSet runs which etcd member: the member named like the pod ({@code --name=$(HOSTNAME)}, the
 * usual setup), else the member whose advertised client or peer URL is the pod's DNS name. Every member is dialed at
 * its pod's client URL through the {@link EndpointResolver}, never at what etcd advertises (tests have no cluster DNS).
 */
public final class MemberPods {

    /** A member and its pod. */
    public record MemberPod(MemberInfo member, int ordinal, String pod, URI dialUrl) {
    }

    private final StatefulSetTarget target;
    private final EndpointResolver resolver;

    public MemberPods(StatefulSetTarget target, EndpointResolver resolver) {
        this.target = target;
        this.resolver = resolver;
    }

    public Optional<MemberPod> of(MemberInfo m) {
        for (int i = 0; i < target.replicas(); i++) {
            String pod = target.podName(i);
            if (pod.equals(m.name()) || Stream.concat(m.clientUrls().stream(), m.peerUrls().stream())
                    .map(URI::getHost).anyMatch(h -> h != null && (h.equals(pod) || h.startsWith(pod + ".")))) {
                return Optional.of(new MemberPod(m, i, pod, resolver.resolve(target.clientUrl(i))));
            }
        }
        return Optional.empty();
    }

    /** Where to dial a member: its pod's client URL, else (not one of our pods) the first URL it advertises. */
    public URI dialUrl(MemberInfo m) {
        return of(m).map(MemberPod::dialUrl).orElseGet(() -> m.clientUrls().isEmpty() ? null : resolver.resolve(m.clientUrls().get(0)));
    }

    /** Every member's pod, or the members that have none. */
    public List<MemberInfo> unmatched(List<MemberInfo> members) {
        List<MemberInfo> out = new ArrayList<>();
        for (MemberInfo m : members) {
            if (of(m).isEmpty()) {
                out.add(m);
            }
        }
        return out;
    }
}
