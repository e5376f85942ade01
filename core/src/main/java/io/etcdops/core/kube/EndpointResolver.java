package io.etcdops.core.kube;

import java.net.URI;
import java.util.List;

/**
 * Maps a URL that names a pod (its per-pod DNS name) to a URL this process can dial. In production that is the URL
 * itself ({@link #IDENTITY}): cluster DNS resolves the name. It is the one seam a test uses to run job code in a JVM
 * that has no cluster DNS (testkit's Kubernetes simulation passes {@code sim::resolve}). Every URL a job dials that it
 * derived from a {@link StatefulSetTarget} or read from etcd's member list goes through it; URLs handed <em>to</em>
 * etcd (peer URLs for a member add, {@code --initial-cluster}) never do: etcd resolves them itself.
 */
@FunctionalInterface
public interface EndpointResolver {
    EndpointResolver IDENTITY = url -> url;

    URI resolve(URI url);

    default List<URI> resolveAll(List<URI> urls) {
        return urls.stream().map(this::resolve).toList();
    }
}
