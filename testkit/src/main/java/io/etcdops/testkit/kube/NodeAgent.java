package io.etcdops.testkit.kube;

import io.etcdops.testkit.controlplane.ControlPlane;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node side of the simulation on the real control plane — what a kubelet (and, for binding, the scheduler; for
 * volumes, a host-path provisioner) writes to the API, kwok-style:
 * <ul>
 *   <li>as the node ({@code system:node:<name>}, group {@code system:nodes}: the Node authorizer and NodeRestriction
 *   apply): registers the Node (Ready, InternalIP 127.0.0.1, capacity, nodeInfo), renews its Lease in
 *   {@code kube-node-lease}, and requests ServiceAccount tokens bound to its pods; the {@link Kubelet} posts pod status
 *   and deletes stopped pods with the same client;</li>
 *   <li>as the admin: binds every unbound pod to the node (the {@code pods/binding} subresource, once its claims are
 *   Bound, as the scheduler does with Immediate binding), gives every pending claim a host-folder PV pre-bound to it
 *   (the real PV binder binds them; a Released PV is deleted with its folder: reclaim policy Delete, as an external
 *   provisioner does), and lists StatefulSets to publish their pods' DNS names in the hosts file.</li>
 * </ul>
 */
final class NodeAgent implements AutoCloseable {
    static final String PROVISIONER = "etcd-ops.io/host-folder";
    private static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    private static final Duration HEARTBEAT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final ControlPlane cp;
    private final String name;
    private final KubernetesClient admin;
    private final KubernetesClient node;
    private final PodNetwork network;
    private final Path pvRoot;
    private final Set<String> provisioned = ConcurrentHashMap.newKeySet();
    private Instant lastHeartbeat = Instant.EPOCH;
    private String nodeUid;

    NodeAgent(ControlPlane cp, String name, PodNetwork network, Path pvRoot) {
        this.cp = cp;
        this.name = name;
        this.admin = cp.client();
        this.network = network;
        this.pvRoot = Volumes.mkdirs(pvRoot);
        Path kubeconfig = cp.kubeconfigFor("system:node:" + name, "system:nodes");
        try {
            this.node = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node's own client. */
    KubernetesClient client() {
        return node;
    }

    String name() {
        return name;
    }

    void sync() {
        if (Duration.between(lastHeartbeat, Instant.now()).compareTo(HEARTBEAT) >= 0) {
            heartbeat();
            lastHeartbeat = Instant.now();
        }
        publishStatefulSetNames();
        provisionVolumes();
        bindPods();
    }

    List<Pod> pods() {
        return node.pods().inAnyNamespace().withField("spec.nodeName", name).list().getItems();
    }

    // ---- the Node and its Lease (as the node) ----

    private void heartbeat() {
        Node current = node.nodes().withName(name).get();
        if (current == null) {
            current = node.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                    .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("kubernetes.io/arch", arch()).endMetadata().build()).create();
        }
        nodeUid = current.getMetadata().getUid();
        NodeStatus status = status();
        node.nodes().withName(name).editStatus(n -> {
            n.setStatus(status);
            return n;
        });
        renewLease();
    }

    private NodeStatus status() {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity(String.valueOf(Runtime.getRuntime().availableProcessors())),
                "memory", new Quantity(memoryBytes() + ""), "pods", new Quantity("110"), "ephemeral-storage", new Quantity("20Gi"));
        return new NodeStatusBuilder()
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withMessage("etcd-ops node agent: containers run as local processes").withLastHeartbeatTime(now)
                .withLastTransitionTime(now).endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus("False").withReason("KubeletHasSufficientMemory")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                .addNewCondition().withType("DiskPressure").withStatus("False").withReason("KubeletHasNoDiskPressure")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                .addNewCondition().withType("PIDPressure").withStatus("False").withReason("KubeletHasSufficientPID")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
                // InternalIP only: with a Hostname address the API server would look the node's name up in the
                // machine's DNS (kubectl logs/exec dial the kubelet): nothing may leave 127.0.0.0/8
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .withCapacity(capacity).withAllocatable(capacity)
                .withNewNodeInfo().withKubeletVersion("v" + cp.kubeVersion()).withContainerRuntimeVersion("etcd-ops-node-agent://0")
                .withOperatingSystem("linux").withArchitecture(arch()).withOsImage(System.getProperty("os.name"))
                .withKernelVersion(System.getProperty("os.version")).withMachineID(name).withSystemUUID(name).withBootID(name)
                .endNodeInfo().build();
    }

    private void renewLease() {
        var leases = node.leases().inNamespace("kube-node-lease");
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
        Lease lease = leases.withName(name).get();
        if (lease == null) {
            leases.resource(new LeaseBuilder().withNewMetadata().withName(name).addNewOwnerReference().withApiVersion("v1")
                    .withKind("Node").withName(name).withUid(nodeUid).endOwnerReference().endMetadata()
                    .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40).withRenewTime(now).endSpec().build()).create();
        } else {
            leases.withName(name).edit(l -> {
                l.getSpec().setRenewTime(now);
                return l;
            });
        }
    }

    // ---- ServiceAccount tokens (as the node) ----

    /**
     * POST {@code serviceaccounts/<sa>/token} as the node, bound to the pod (NodeRestriction requires the binding to a
     * pod on this node). Raw JSON: the project's fabric8 excludes the model module that holds {@code TokenRequest}.
     */
    @SuppressWarnings("unchecked")
    String serviceAccountToken(Pod pod, String audience, Long expirationSeconds) {
        String sa = Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
        Map<String, Object> request = Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenRequest",
                "spec", Map.of("audiences", audience == null || audience.isEmpty() ? List.of() : List.of(audience),
                        "expirationSeconds", Optional.ofNullable(expirationSeconds).orElse(3607L),
                        "boundObjectRef", Map.of("apiVersion", "v1", "kind", "Pod", "name", pod.getMetadata().getName(),
                                "uid", pod.getMetadata().getUid())));
        String response = node.raw("/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/serviceaccounts/" + sa
                + "/token", "POST", request);
        if (response == null) {
            throw new ContainerConfigException("TokenRequest for serviceaccount " + sa + " returned nothing (not found?)");
        }
        Map<String, Object> status = (Map<String, Object>) Serialization.unmarshal(response, Map.class).get("status");
        return (String) status.get("token");
    }

    // ---- binding (as the admin, in the scheduler's place) ----

    private void bindPods() {
        for (Pod p : admin.pods().inAnyNamespace().withField("spec.nodeName", "").list().getItems()) {
            if (p.getMetadata().getDeletionTimestamp() != null || !claimsBound(p)) {
                continue;
            }
            String ns = p.getMetadata().getNamespace();
            var binding = new BindingBuilder().withNewMetadata().withName(p.getMetadata().getName()).withNamespace(ns)
                    .withUid(p.getMetadata().getUid()).endMetadata()
                    .withNewTarget().withApiVersion("v1").withKind("Node").withName(name).endTarget().build();
            try {
                admin.raw("/api/v1/namespaces/" + ns + "/pods/" + p.getMetadata().getName() + "/binding", "POST", binding);
            } catch (KubernetesClientException e) {
                LOG.debug("binding {}/{} failed (retrying): {}", ns, p.getMetadata().getName(), e.getMessage());
            }
        }
    }

    /** Immediate binding: a pod is scheduled only once every claim it mounts is Bound. */
    private boolean claimsBound(Pod p) {
        for (Volume v : p.getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null) {
                PersistentVolumeClaim pvc = admin.persistentVolumeClaims().inNamespace(p.getMetadata().getNamespace())
                        .withName(v.getPersistentVolumeClaim().getClaimName()).get();
                if (pvc == null || pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase())) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- host-folder volumes (as the admin, in a provisioner's place) ----

    private void provisionVolumes() {
        for (PersistentVolumeClaim pvc : admin.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
            String uid = pvc.getMetadata().getUid();
            if (pvc.getMetadata().getDeletionTimestamp() != null || pvc.getSpec().getVolumeName() != null
                    && !pvc.getSpec().getVolumeName().isEmpty() || provisioned.contains(uid)) {
                continue;
            }
            String pvName = "pvc-" + uid;
            if (admin.persistentVolumes().withName(pvName).get() == null) {
                Path dir = Volumes.mkdirs(pvRoot.resolve(pvc.getMetadata().getNamespace())
                        .resolve(pvc.getMetadata().getName() + "-" + Volumes.shortUid(uid)));
                Quantity size = Optional.ofNullable(pvc.getSpec().getResources()).map(r -> r.getRequests())
                        .map(r -> r.get("storage")).orElse(new Quantity("1Gi"));
                PersistentVolume pv = new PersistentVolumeBuilder().withNewMetadata().withName(pvName)
                        .addToAnnotations(PROVISIONED_BY, PROVISIONER).endMetadata().withNewSpec()
                        .withCapacity(Map.of("storage", size)).withAccessModes(pvc.getSpec().getAccessModes())
                        .withStorageClassName(Optional.ofNullable(pvc.getSpec().getStorageClassName()).orElse(""))
                        .withVolumeMode(Optional.ofNullable(pvc.getSpec().getVolumeMode()).orElse("Filesystem"))
                        .withPersistentVolumeReclaimPolicy("Delete")
                        .withNewHostPath().withPath(dir.toString()).withType("Directory").endHostPath()
                        .withNewClaimRef().withApiVersion("v1").withKind("PersistentVolumeClaim")
                        .withNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName()).withUid(uid)
                        .endClaimRef().endSpec().build();
                admin.persistentVolumes().resource(pv).create();
            }
            provisioned.add(uid);
        }
        reclaimVolumes();
    }

    /** Released (claim deleted) host-folder volumes go with their folder: reclaim policy Delete. */
    private void reclaimVolumes() {
        for (PersistentVolume pv : admin.persistentVolumes().list().getItems()) {
            if (!PROVISIONER.equals(pv.getMetadata().getAnnotations().get(PROVISIONED_BY)) || pv.getStatus() == null
                    || !Set.of("Released", "Failed").contains(pv.getStatus().getPhase()) || pv.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            Path dir = Path.of(pv.getSpec().getHostPath().getPath());
            if (dir.startsWith(pvRoot)) {
                Volumes.deleteTree(dir);
            }
            admin.persistentVolumes().withName(pv.getMetadata().getName()).delete();
            provisioned.remove(pv.getSpec().getClaimRef().getUid());
        }
    }

    /**
     * The folder of a claim this node provisioned (read as the node: the Node authorizer lets it read the claims and
     * volumes of its pods). A volume that is not this agent's host folder is an explicit error: nothing else on the
     * machine is ever mounted.
     */
    Path claimDir(PersistentVolumeClaim pvc) {
        String volume = pvc.getSpec().getVolumeName();
        if (volume == null || volume.isEmpty()) {
            throw new ContainerConfigException("persistentvolumeclaim \"" + pvc.getMetadata().getName() + "\" is not bound");
        }
        PersistentVolume pv = node.persistentVolumes().withName(volume).get();
        if (pv == null) {
            throw new ContainerConfigException("persistentvolume \"" + volume + "\" not found");
        }
        if (!PROVISIONER.equals(pv.getMetadata().getAnnotations().get(PROVISIONED_BY)) || pv.getSpec().getHostPath() == null
                || !Path.of(pv.getSpec().getHostPath().getPath()).startsWith(pvRoot)) {
            throw new UnsupportedContainerException("persistentvolume " + volume + " is not a host folder of this node agent "
                    + "(provisioned-by " + PROVISIONER + "): only those are mounted");
        }
        return Path.of(pv.getSpec().getHostPath().getPath());
    }

    /** The folder behind a claim as the admin sees it, or empty. */
    Optional<Path> existingClaimDir(PersistentVolumeClaim pvc) {
        String volume = pvc.getSpec().getVolumeName();
        PersistentVolume pv = volume == null || volume.isEmpty() ? null : admin.persistentVolumes().withName(volume).get();
        return pv == null || pv.getSpec().getHostPath() == null ? Optional.empty() : Optional.of(Path.of(pv.getSpec().getHostPath().getPath()));
    }

    // ---- cluster DNS (the hosts file) ----

    private void publishStatefulSetNames() {
        for (StatefulSet sts : admin.apps().statefulSets().inAnyNamespace().list().getItems()) {
            String svc = sts.getSpec().getServiceName();
            if (svc == null || svc.isEmpty()) {
                continue;
            }
            int replicas = Optional.ofNullable(sts.getSpec().getReplicas()).orElse(1);
            for (int i = 0; i <= replicas; i++) {
                network.registerPod(sts.getMetadata().getNamespace(), sts.getMetadata().getName() + "-" + i, svc);
            }
        }
    }

    /** Service env of the {@code kubernetes} Service, with the API server's real address (never its ClusterIP). */
    Map<String, String> serviceEnv() {
        String port = String.valueOf(cp.server().getPort());
        return Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", port,
                "KUBERNETES_SERVICE_PORT_HTTPS", port, "KUBERNETES_PORT", "tcp://127.0.0.1:" + port);
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("x86_64") || a.equals("amd64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
    }

    private static long memoryBytes() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 8L << 30;
    }

    @Override
    public void close() {
        node.close();
    }
}
