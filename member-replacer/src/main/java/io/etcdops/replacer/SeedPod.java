package io.etcdops.replacer;

import io.etcdops.core.etcd.MemberInfo;
import io.etcdops.core.kube.EtcdUser;
import io.etcdops.core.kube.StatefulSetTarget;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one-off pod that prepares a replica's volume so the StatefulSet's own pod starts from it as an already-joined
 * member: init container {@code wipe} (this image) empties the data (and WAL) dir; container {@code etcd} (the
 * StatefulSet's own image, command and flags) joins the cluster once as the new learner — {@code --name} the replica's,
 * {@code --initial-cluster-state=existing}, the current member list, and the seed pod's own address as its peer and
 * client URL — and is stopped when it has caught up. etcd ignores every {@code --initial-cluster*} flag when its data
 * dir already holds a member, so the StatefulSet's pod, whatever its flags say ({@code new} included), then restarts
 * that member. Labels are this tool's only, so no Service sends traffic to it and the StatefulSet does not adopt it.
 */
final class SeedPod {
    static final String SEED_FOR_LABEL = "etcd-ops.io/seed-for";
    static final String IP_ENV = "ETCD_OPS_SEED_IP";
    private static final String WIPE_CONTAINER = "wipe";
    /** Flags the seed sets itself; the template's values (as flags or ETCD_* variables) are dropped. */
    private static final Set<String> OVERRIDDEN = Set.of("name", "initial-cluster", "initial-cluster-state",
            "initial-advertise-peer-urls", "advertise-client-urls", "listen-peer-urls", "listen-client-urls",
            "discovery", "discovery-srv", "discovery-srv-name", "discovery-token");

    private SeedPod() {
    }

    static String name(String pod) {
        return pod + "-seed";
    }

    /**
     * @param voters   the current voting members (the learner is added under {@code pod} at the seed's address)
     * @param nodeName the node the replica's pod ran on (its volume is attached there), or null
     * @param image    this replacer's image, for the wipe
     */
    static Pod build(StatefulSetTarget t, int ordinal, List<MemberInfo> voters, String nodeName, String image) {
        StatefulSet sts = t.statefulSet();
        String pod = t.podName(ordinal);
        PodSpec spec = Serialization.unmarshal(Serialization.asJson(sts.getSpec().getTemplate().getSpec()), PodSpec.class);
        Container etcd = spec.getContainers().stream().filter(c -> c.getName().equals(t.etcdContainer())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no container " + t.etcdContainer()));

        List<Volume> volumes = new ArrayList<>(spec.getVolumes());
        List<String> claimVolumes = new ArrayList<>();
        for (PersistentVolumeClaim vct : sts.getSpec().getVolumeClaimTemplates()) {
            String vol = vct.getMetadata().getName();
            claimVolumes.add(vol);
            volumes.removeIf(v -> v.getName().equals(vol));
            volumes.add(new VolumeBuilder().withName(vol).withNewPersistentVolumeClaim()
                    .withClaimName(vol + "-" + pod).endPersistentVolumeClaim().build());
        }
        List<VolumeMount> claimMounts = etcd.getVolumeMounts().stream().filter(m -> claimVolumes.contains(m.getName())).toList();

        List<String> wipeArgs = new ArrayList<>(List.of("wipe-data-dir", "--dir", t.data().dataDir()));
        t.data().walDir().filter(w -> !w.startsWith(t.data().dataDir() + "/")).ifPresent(w -> wipeArgs.addAll(List.of("--dir", w)));
        Container wipe = new ContainerBuilder().withName(WIPE_CONTAINER).withImage(image).withArgs(wipeArgs)
                .withVolumeMounts(claimMounts).withSecurityContext(EtcdUser.sameAs(etcd.getSecurityContext(), spec.getSecurityContext())).build();

        Container seed = new ContainerBuilder(etcd)
                .withCommand(stripFlags(etcd.getCommand()))
                .withArgs(seedArgs(t, ordinal, etcd.getArgs(), voters))
                .withEnv(seedEnv(etcd.getEnv()))
                .withPorts(List.of())
                .withReadinessProbe(null).withLivenessProbe(null).withStartupProbe(null).withLifecycle(null)
                .build();

        spec.setInitContainers(List.of(wipe));
        spec.setContainers(List.of(seed));
        spec.setVolumes(volumes);
        spec.setHostname(null);
        spec.setSubdomain(null);
        spec.setRestartPolicy("OnFailure");
        spec.setReadinessGates(List.of());
        spec.setTopologySpreadConstraints(List.of());
        spec.setAffinity(nodeAffinityOnly(spec.getAffinity()));
        if (nodeName != null && !nodeName.isBlank()) {
            spec.setNodeName(nodeName);
        }

        Map<String, String> annotations = new LinkedHashMap<>();
        if (sts.getSpec().getTemplate().getMetadata() != null && sts.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
            annotations.putAll(sts.getSpec().getTemplate().getMetadata().getAnnotations()); // downward-API env may read them
        }
        return new PodBuilder().withNewMetadata().withName(name(pod)).withNamespace(t.namespace())
                .addToLabels("app.kubernetes.io/managed-by", "etcd-ops")
                .addToLabels("app.kubernetes.io/component", "member-replacer-seed")
                .addToLabels(SEED_FOR_LABEL, pod)
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
                        .withName(t.name()).withUid(sts.getMetadata().getUid()).withController(false)
                        .withBlockOwnerDeletion(false).build())
                .endMetadata().withSpec(spec).build();
    }

    /** The template's flags without the ones the seed sets, then the seed's own. */
    static List<String> seedArgs(StatefulSetTarget t, int ordinal, List<String> templateArgs, List<MemberInfo> voters) {
        String pod = t.podName(ordinal);
        String peer = t.peer().scheme() + "://$(" + IP_ENV + "):" + t.peer().port();
        String client = t.client().scheme() + "://$(" + IP_ENV + "):" + t.client().port();
        List<String> cluster = new ArrayList<>();
        for (MemberInfo m : voters) {
            m.peerUrls().forEach(u -> cluster.add(m.name() + "=" + u));
        }
        cluster.add(pod + "=" + peer);
        List<String> out = stripFlags(templateArgs);
        out.addAll(List.of("--name=" + pod, "--initial-cluster-state=existing",
                "--initial-cluster=" + String.join(",", cluster),
                "--initial-advertise-peer-urls=" + peer, "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + t.peer().scheme() + "://0.0.0.0:" + t.peer().port(),
                "--listen-client-urls=" + t.client().scheme() + "://0.0.0.0:" + t.client().port()));
        return out;
    }

    /** Drops {@code --flag=v}, {@code --flag v}, {@code -flag=v} and {@code -flag v} for the flags the seed overrides. */
    static List<String> stripFlags(List<String> argv) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.startsWith("-") && !a.equals("-") && !a.equals("--")) {
                String body = a.replaceFirst("^--?", "");
                int eq = body.indexOf('=');
                String flag = eq >= 0 ? body.substring(0, eq) : body;
                if (OVERRIDDEN.contains(flag)) {
                    if (eq < 0 && i + 1 < argv.size() && !argv.get(i + 1).startsWith("-")) {
                        i++;
                    }
                    continue;
                }
            }
            out.add(a);
        }
        return out;
    }

    /** The template's env without ETCD_* variables for overridden flags (etcd refuses a flag and its variable both), plus the pod IP. */
    static List<EnvVar> seedEnv(List<EnvVar> env) {
        Set<String> dropped = OVERRIDDEN.stream().map(f -> "ETCD_" + f.toUpperCase().replace('-', '_')).collect(Collectors.toSet());
        List<EnvVar> out = new ArrayList<>();
        out.add(new EnvVarBuilder().withName(IP_ENV).withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                .endFieldRef().endValueFrom().build());
        env.stream().filter(e -> !dropped.contains(e.getName()) && !e.getName().equals(IP_ENV)).forEach(out::add);
        return out;
    }

    private static Affinity nodeAffinityOnly(Affinity a) {
        return a == null || a.getNodeAffinity() == null ? null : new AffinityBuilder().withNodeAffinity(a.getNodeAffinity()).build();
    }
}
