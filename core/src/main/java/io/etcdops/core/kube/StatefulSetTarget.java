package io.etcdops.core.kube;

import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * An etcd cluster run by a StatefulSet, as discovered from the StatefulSet object (see {@link #discover}) with
 * {@link TargetOverrides} applied: which container is etcd and how it is configured, the headless service that gives
 * each pod its DNS name, client and peer scheme/port, the etcd version the image tag names, the volume claim
 * template that holds the data dir, and the TLS Secrets mounted for etcd. Both shapes in the wild are understood: the
 * flag-style StatefulSet of etcd's docs and the etcd-io operator, and the env-style one of the Bitnami chart.
 *
 * <p>Built only by discovery; the value is immutable and safe to log ({@link #describe()}).
 */
public record StatefulSetTarget(
        String namespace,
        String name,
        StatefulSet statefulSet,
        String etcdContainer,
        EtcdContainerSettings.Style style,
        String service,
        String clusterDomain,
        Listener client,
        Listener peer,
        Optional<String> imageVersion,
        DataVolume data,
        List<TlsMount> tlsMounts,
        boolean clientCertAuth,
        List<URI> endpointOverride) {

    /** How members listen: {@code http}/{@code https} and the port. */
    public record Listener(String scheme, int port) {
    }

    /**
     * Where etcd keeps its data: the data dir inside the container, the volumeClaimTemplate whose claims
     * ({@code <template>-<sts>-<ordinal>}) hold it, and the WAL dir if set apart.
     */
    public record DataVolume(String dataDir, String claimTemplate, String mountPath, Optional<String> walDir) {
    }

    /** A file etcd is told to use for TLS ({@code setting} as written, e.g. {@code --cert-file}) and the Secret it comes from. */
    public record TlsMount(String setting, String path, String volume, String secretName) {
    }

    /** What the members report against what the image tag says. */
    public record VersionCheck(Optional<String> imageVersion, Set<String> reported) {
        /** Every member runs one version and it is the image's (when the tag names one). */
        public boolean consistent() {
            return reported.size() == 1 && imageVersion.map(reported::contains).orElse(true);
        }

        /** The single version the members run, if they agree. */
        public Optional<String> version() {
            return reported.size() == 1 ? Optional.of(reported.iterator().next()) : Optional.empty();
        }

        public String describe() {
            return "image tag " + imageVersion.orElse("(none)") + ", members report " + reported;
        }
    }

    /**
     * Reads StatefulSet {@code namespace/name} and discovers the target. Missing, unreadable (RBAC) or not-etcd
     * StatefulSets and undiscoverable settings are usage errors (exit 2) that name what to fix or which option to set.
     */
    public static StatefulSetTarget discover(KubernetesClient client, String namespace, String name, TargetOverrides overrides) {
        if (name == null || name.isBlank()) {
            throw JobException.usage("no target StatefulSet: set " + StatefulSetTargetOptions.STATEFULSET
                    + " (env " + StatefulSetTargetOptions.STATEFULSET_ENV + ")");
        }
        StatefulSet sts;
        try {
            sts = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                throw JobException.usage("not allowed to read StatefulSet " + namespace + "/" + name
                        + ": the job's ServiceAccount needs 'get' on statefulsets.apps in " + namespace);
            }
            throw JobException.failed("cannot read StatefulSet " + namespace + "/" + name + " from the Kubernetes API: "
                    + e.getMessage(), e);
        }
        if (sts == null) {
            throw JobException.usage("StatefulSet " + namespace + "/" + name + " not found (" + StatefulSetTargetOptions.STATEFULSET
                    + ", " + StatefulSetTargetOptions.NAMESPACE + ")");
        }
        return TargetDiscovery.from(sts, overrides);
    }

    /** Discovers from a StatefulSet object already at hand (e.g. parsed from a manifest). */
    public static StatefulSetTarget from(StatefulSet sts, TargetOverrides overrides) {
        return TargetDiscovery.from(sts, overrides);
    }

    /** {@code spec.replicas} (1 when unset, as Kubernetes defaults it). */
    public int replicas() {
        return Optional.ofNullable(statefulSet.getSpec().getReplicas()).orElse(1);
    }

    public String podName(int ordinal) {
        return name + "-" + ordinal;
    }

    public List<String> podNames() {
        return IntStream.range(0, replicas()).mapToObj(this::podName).toList();
    }

    /** {@code <pod>.<service>.<namespace>.svc.<cluster domain>}: the name the headless service gives the pod. */
    public String podDnsName(int ordinal) {
        return podName(ordinal) + "." + service + "." + namespace + ".svc." + clusterDomain;
    }

    public URI clientUrl(int ordinal) {
        if (ordinal < endpointOverride.size()) {
            return endpointOverride.get(ordinal);
        }
        return URI.create(client.scheme() + "://" + podDnsName(ordinal) + ":" + client.port());
    }

    /** The peer URL a member of this StatefulSet advertises (what a member add must name). */
    public URI peerUrl(int ordinal) {
        return URI.create(peer.scheme() + "://" + podDnsName(ordinal) + ":" + peer.port());
    }

    /** Client URLs of every replica, by per-pod DNS name, or {@value TargetOverrides#TARGET_ENDPOINTS} when given. */
    public List<URI> clientEndpoints() {
        if (!endpointOverride.isEmpty()) {
            return endpointOverride;
        }
        return IntStream.range(0, replicas()).mapToObj(this::clientUrl).toList();
    }

    /** {@link #clientEndpoints()} passed through the resolver, for dialing. */
    public List<URI> clientEndpoints(EndpointResolver resolver) {
        return resolver.resolveAll(clientEndpoints());
    }

    /** The PersistentVolumeClaim holding the data dir of pod {@code ordinal}. */
    public String dataClaimName(int ordinal) {
        return data.claimTemplate() + "-" + podName(ordinal);
    }

    /** Compares the image tag's version with what members report (e.g. the versions from {@code EtcdSession.view()}). */
    public VersionCheck checkVersion(Collection<String> reported) {
        Set<String> r = new TreeSet<>();
        reported.stream().filter(v -> v != null && !v.isBlank()).forEach(r::add);
        return new VersionCheck(imageVersion, r);
    }

    /** The version the image tag names, or a usage error naming {@value TargetOverrides#ETCD_VERSION}. */
    public String requireImageVersion() {
        return imageVersion.orElseThrow(() -> JobException.usage("the etcd image of StatefulSet " + namespace + "/" + name
                + " (" + image() + ") has no version tag; set " + TargetOverrides.ETCD_VERSION));
    }

    public String image() {
        return statefulSet.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(etcdContainer)).findFirst().map(c -> c.getImage()).orElse("");
    }

    /** One line for the log: everything discovery found. */
    public String describe() {
        return "StatefulSet " + namespace + "/" + name + ": " + replicas() + " replicas, container " + etcdContainer + " ("
                + image() + ", settings as " + style.name().toLowerCase() + "), service " + service + ", client "
                + client.scheme() + ":" + client.port() + (clientCertAuth ? " (client certs required)" : "") + ", peer "
                + peer.scheme() + ":" + peer.port() + ", version " + imageVersion.orElse("unknown") + ", data " + data.dataDir()
                + " on claim template " + data.claimTemplate() + (tlsMounts.isEmpty() ? "" : ", TLS from secrets "
                + tlsMounts.stream().map(TlsMount::secretName).distinct().toList());
    }
}
