package io.etcdops.core.kube;

import io.etcdops.core.runtime.JobException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The rules {@link StatefulSetTarget} discovery follows; each undiscoverable setting names its override. */
final class TargetDiscovery {
    static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";
    private static final Pattern URL = Pattern.compile("^\\s*(https?)://([^,/]*?)(?::(\\d+))?(?:[/,].*)?$");
    private static final Pattern VERSION_TAG = Pattern.compile("^v?(\\d+\\.\\d+\\.\\d+)(?:[-+].*)?$");
    private static final Set<String> ETCD_BINARIES = Set.of("etcd");
    private static final List<String> TLS_SETTINGS = List.of("cert-file", "key-file", "trusted-ca-file",
            "peer-cert-file", "peer-key-file", "peer-trusted-ca-file");

    private TargetDiscovery() {
    }

    static StatefulSetTarget from(StatefulSet sts, TargetOverrides o) {
        String ns = Optional.ofNullable(sts.getMetadata().getNamespace()).orElse("default");
        String where = "StatefulSet " + ns + "/" + sts.getMetadata().getName();
        Container c = etcdContainer(sts, o, where);
        EtcdContainerSettings s = EtcdContainerSettings.of(c);

        String service = o.service() != null ? o.service() : sts.getSpec().getServiceName();
        if (service == null || service.isBlank()) {
            throw JobException.usage(where + " has no spec.serviceName (the headless service that names its pods); set "
                    + TargetOverrides.SERVICE);
        }
        StatefulSetTarget.Listener client = listener(c, s, o.clientScheme(), o.clientPort(),
                List.of("advertise-client-urls", "listen-client-urls"), List.of("etcd-client", "client"), 2379,
                s.get("cert-file").isPresent(), TargetOverrides.CLIENT_SCHEME, TargetOverrides.CLIENT_PORT, where);
        StatefulSetTarget.Listener peer = listener(c, s, o.peerScheme(), o.peerPort(),
                List.of("initial-advertise-peer-urls", "listen-peer-urls"), List.of("etcd-server", "peer", "server"), 2380,
                s.get("peer-cert-file").isPresent(), TargetOverrides.PEER_SCHEME, TargetOverrides.PEER_PORT, where);
        Optional<String> version = o.etcdVersion() != null ? Optional.of(o.etcdVersion()) : versionFromImage(c.getImage());
        String domain = o.clusterDomain() != null ? o.clusterDomain() : clusterDomain(s);
        StatefulSetTarget.DataVolume data = dataVolume(sts, c, s, o, where);
        return new StatefulSetTarget(ns, sts.getMetadata().getName(), sts, c.getName(), s.style(), service, domain, client, peer,
                version, data, tlsMounts(sts, c, s), s.isTrue("client-cert-auth"), o.endpoints());
    }

    /** The etcd version an image tag names ({@code v3.5.30}, {@code 3.5.16-0}, {@code 3.5.30-debian-12-r1}). */
    static Optional<String> versionFromImage(String image) {
        if (image == null) {
            return Optional.empty();
        }
        String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = ref.lastIndexOf(':');
        if (colon < 0 || colon < ref.lastIndexOf('/')) {
            return Optional.empty();
        }
        Matcher m = VERSION_TAG.matcher(ref.substring(colon + 1));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static Container etcdContainer(StatefulSet sts, TargetOverrides o, String where) {
        List<Container> containers = sts.getSpec().getTemplate().getSpec().getContainers();
        String listed = containers.stream().map(c -> c.getName() + " (" + c.getImage() + ")").collect(Collectors.joining(", "));
        if (o.etcdContainer() != null) {
            return containers.stream().filter(c -> c.getName().equals(o.etcdContainer())).findFirst()
                    .orElseThrow(() -> JobException.usage(where + " has no container named " + o.etcdContainer() + " ("
                            + TargetOverrides.ETCD_CONTAINER + "); its containers: " + listed));
        }
        List<Container> etcd = containers.stream().filter(TargetDiscovery::looksLikeEtcd).toList();
        if (etcd.size() == 1) {
            return etcd.get(0);
        }
        if (etcd.size() > 1) {
            return etcd.stream().filter(c -> c.getName().equals("etcd")).findFirst()
                    .orElseThrow(() -> JobException.usage(where + " has several etcd-like containers (" + listed + "); set "
                            + TargetOverrides.ETCD_CONTAINER));
        }
        throw JobException.usage(where + " does not run etcd: no container uses an etcd image, runs the etcd binary or "
                + "sets etcd's data dir, name or URLs (containers: " + listed + "); if it does run etcd, set "
                + TargetOverrides.ETCD_CONTAINER);
    }

    private static boolean looksLikeEtcd(Container c) {
        String image = Optional.ofNullable(c.getImage()).orElse("");
        String repo = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
        int colon = repo.lastIndexOf(':');
        if (colon > repo.lastIndexOf('/')) {
            repo = repo.substring(0, colon);
        }
        if (repo.substring(repo.lastIndexOf('/') + 1).equals("etcd")) {
            return true;
        }
        boolean runsEtcd = !c.getCommand().isEmpty() && ETCD_BINARIES.contains(Path.of(c.getCommand().get(0)).getFileName().toString());
        return runsEtcd || EtcdContainerSettings.of(c).configuresEtcd();
    }

    private static StatefulSetTarget.Listener listener(Container c, EtcdContainerSettings s, String schemeOverride,
                                                       Integer portOverride, List<String> urlSettings, List<String> portNames,
                                                       int wellKnownPort, boolean tls, String schemeOption, String portOption,
                                                       String where) {
        String scheme = schemeOverride;
        Integer port = portOverride;
        for (String setting : urlSettings) {
            Optional<String> v = s.get(setting);
            if (v.isEmpty()) {
                continue;
            }
            Matcher m = URL.matcher(v.get().split(",")[0]);
            if (m.matches()) {
                scheme = scheme != null ? scheme : m.group(1);
                if (port == null && m.group(3) != null) {
                    port = Integer.parseInt(m.group(3));
                }
            }
            if (scheme != null && port != null) {
                break;
            }
        }
        if (port == null) {
            port = c.getPorts().stream().filter(p -> portNames.contains(p.getName())).map(ContainerPort::getContainerPort)
                    .findFirst().orElse(null);
        }
        if (port == null && c.getPorts().stream().anyMatch(p -> p.getContainerPort() == wellKnownPort)) {
            port = wellKnownPort;
        }
        if (port == null) {
            throw JobException.usage(where + ": cannot tell the port from " + urlSettings.stream()
                    .map(EtcdContainerSettings::spellings).collect(Collectors.joining(" or ")) + " nor the container's ports; set "
                    + portOption);
        }
        if (scheme == null) {
            scheme = tls ? "https" : "http";
        }
        return new StatefulSetTarget.Listener(scheme, port);
    }

    private static String clusterDomain(EtcdContainerSettings s) {
        for (String setting : List.of("advertise-client-urls", "initial-advertise-peer-urls")) {
            Optional<String> v = s.get(setting);
            if (v.isPresent()) {
                Matcher m = URL.matcher(v.get().split(",")[0]);
                if (m.matches()) {
                    String host = m.group(2);
                    int svc = host.indexOf(".svc.");
                    if (svc > 0) {
                        return host.substring(svc + 5);
                    }
                }
            }
        }
        return DEFAULT_CLUSTER_DOMAIN;
    }

    private static StatefulSetTarget.DataVolume dataVolume(StatefulSet sts, Container c, EtcdContainerSettings s,
                                                           TargetOverrides o, String where) {
        String dataDir = o.dataDir() != null ? o.dataDir() : s.get("data-dir").orElse(null);
        if (dataDir == null) {
            throw JobException.usage(where + ": container " + c.getName() + " sets no " + EtcdContainerSettings.spellings("data-dir")
                    + ", so etcd keeps its data in the container's own filesystem and it is lost with the pod; give etcd a data "
                    + "dir on a volumeClaimTemplate, or set " + TargetOverrides.DATA_DIR + " if the image sets it elsewhere");
        }
        List<String> templates = sts.getSpec().getVolumeClaimTemplates().stream().map(t -> t.getMetadata().getName()).toList();
        VolumeMount mount;
        if (o.dataVolume() != null) {
            mount = c.getVolumeMounts().stream().filter(m -> m.getName().equals(o.dataVolume())).findFirst()
                    .orElseThrow(() -> JobException.usage(where + ": container " + c.getName() + " does not mount volume "
                            + o.dataVolume() + " (" + TargetOverrides.DATA_VOLUME + ")"));
        } else {
            mount = mountHolding(c, dataDir).orElseThrow(() -> JobException.usage(where + ": etcd's data dir " + dataDir
                    + " is on no volume (mounts: " + mounts(c) + "), so it is lost with the pod; mount a volumeClaimTemplate "
                    + "there, or set " + TargetOverrides.DATA_VOLUME + " / " + TargetOverrides.DATA_DIR));
        }
        if (!templates.contains(mount.getName())) {
            String kind = sts.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().map(TargetDiscovery::volumeKind).orElse("undeclared");
            throw JobException.usage(where + ": etcd's data dir " + dataDir + " is on volume " + mount.getName() + " (" + kind
                    + "), not on one of its volumeClaimTemplates " + templates + "; etcd-ops needs a claim per member; set "
                    + TargetOverrides.DATA_VOLUME + " to the template that holds the data");
        }
        return new StatefulSetTarget.DataVolume(dataDir, mount.getName(), mount.getMountPath(), s.get("wal-dir"));
    }

    private static Optional<VolumeMount> mountHolding(Container c, String path) {
        return c.getVolumeMounts().stream()
                .filter(m -> {
                    String mp = m.getMountPath().replaceAll("/+$", "");
                    return path.equals(mp) || path.startsWith(mp + "/");
                })
                .max(Comparator.comparingInt(m -> m.getMountPath().length()));
    }

    private static List<StatefulSetTarget.TlsMount> tlsMounts(StatefulSet sts, Container c, EtcdContainerSettings s) {
        List<StatefulSetTarget.TlsMount> out = new ArrayList<>();
        for (String setting : TLS_SETTINGS) {
            Optional<String> path = s.get(setting);
            if (path.isEmpty()) {
                continue;
            }
            Optional<VolumeMount> m = mountHolding(c, path.get());
            if (m.isEmpty()) {
                continue;
            }
            Optional<Volume> v = sts.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(x -> x.getName().equals(m.get().getName())).findFirst();
            secretOf(v).ifPresent(secret -> out.add(new StatefulSetTarget.TlsMount(s.sourceOf(setting), path.get(),
                    m.get().getName(), secret)));
        }
        return List.copyOf(out);
    }

    private static Optional<String> secretOf(Optional<Volume> v) {
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.get().getSecret() != null) {
            return Optional.ofNullable(v.get().getSecret().getSecretName());
        }
        if (v.get().getProjected() != null) {
            return v.get().getProjected().getSources().stream().map(VolumeProjection::getSecret).filter(x -> x != null)
                    .map(x -> x.getName()).findFirst();
        }
        return Optional.empty();
    }

    private static String volumeKind(Volume v) {
        if (v.getEmptyDir() != null) {
            return "emptyDir";
        }
        if (v.getHostPath() != null) {
            return "hostPath " + v.getHostPath().getPath();
        }
        if (v.getPersistentVolumeClaim() != null) {
            return "one claim " + v.getPersistentVolumeClaim().getClaimName() + " shared by every pod";
        }
        return "not a claim";
    }

    private static String mounts(Container c) {
        return c.getVolumeMounts().isEmpty() ? "none" : c.getVolumeMounts().stream()
                .map(m -> m.getName() + " at " + m.getMountPath()).collect(Collectors.joining(", "));
    }
}
