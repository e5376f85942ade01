package io.etcdops.testkit.controlplane;

import io.etcdops.testkit.Poll;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The control plane's own proof: the real kube-apiserver and kube-controller-manager of {@link KubeBinaries#DEFAULT}
 * on a real etcd 3.6. Nothing here is a mock: RBAC refuses what no Role grants, admission mounts service-account
 * tokens and PodSecurity rejects a privileged pod, the real Job controller creates pods and the garbage collector
 * deletes them with their owner. No kubelet runs (a node agent is the one simulated part): pods stay Pending.
 */
class ControlPlaneIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static ControlPlane cp;

    @BeforeAll
    static void start() {
        cp = ControlPlane.start();
    }

    @AfterAll
    static void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void versionIsTheReleaseNotMaster() {
        assertThat(cp.client().getKubernetesVersion().getGitVersion()).isEqualTo("v" + KubeBinaries.DEFAULT);
        assertThat(cp.client().getKubernetesVersion().getMinor()).isEqualTo(KubeBinaries.DEFAULT.split("\\.")[1]);
    }

    @Test
    void rbacRefusesWhatNoRoleGrantsAndAllowsWhatOneDoes() throws Exception {
        KubernetesClient admin = cp.client();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("rbac").endMetadata().build()).create();
        try (KubernetesClient alice = clientOf(cp.kubeconfigFor("alice"))) {
            assertThatThrownBy(() -> alice.pods().inNamespace("rbac").list())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
            admin.rbac().roles().inNamespace("rbac").resource(new RoleBuilder().withNewMetadata().withName("pod-reader").endMetadata()
                    .addNewRule().withApiGroups("").withResources("pods").withVerbs("list").endRule().build()).create();
            admin.rbac().roleBindings().inNamespace("rbac").resource(new RoleBindingBuilder().withNewMetadata().withName("alice")
                    .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "pod-reader")
                    .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName("alice").endSubject()
                    .build()).create();
            Poll.until("alice may list pods", WAIT, () -> {
                try {
                    return alice.pods().inNamespace("rbac").list() != null;
                } catch (KubernetesClientException e) {
                    return false;
                }
            }, () -> "still forbidden");
            assertThatThrownBy(() -> alice.pods().inNamespace("rbac").withName("x").delete())
                    .as("list is granted, delete is not").isInstanceOf(KubernetesClientException.class);
        }
    }

    @Test
    void theJobControllerMakesPodsWithTokensAndTheGarbageCollectorRemovesThem() {
        KubernetesClient admin = cp.client();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("jobs").endMetadata().build()).create();
        Poll.until("the namespace's default ServiceAccount", WAIT,
                () -> admin.serviceAccounts().inNamespace("jobs").withName("default").get() != null, () -> "none");
        Job job = admin.batch().v1().jobs().inNamespace("jobs").resource(new JobBuilder().withNewMetadata().withName("one").endMetadata()
                .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("main").withImage("busybox:1").endContainer().endSpec().endTemplate().endSpec()
                .build()).create();
        Poll.until("the Job controller's pod", WAIT,
                () -> !admin.pods().inNamespace("jobs").withLabel("job-name", "one").list().getItems().isEmpty(), () -> "no pod");
        Pod pod = admin.pods().inNamespace("jobs").withLabel("job-name", "one").list().getItems().get(0);
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid()));
        assertThat(pod.getSpec().getVolumes()).as("ServiceAccount admission projects a token")
                .anySatisfy(v -> assertThat(v.getProjected()).isNotNull());
        assertThat(pod.getStatus().getPhase()).as("no kubelet here").isEqualTo("Pending");
        admin.batch().v1().jobs().inNamespace("jobs").withName("one")
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        Poll.until("the garbage collector deletes the Job's pod", WAIT,
                () -> admin.pods().inNamespace("jobs").withLabel("job-name", "one").list().getItems().isEmpty(), () -> "pod left");
    }

    @Test
    void podSecurityRestrictedAdmitsOnlyACompliantPod() {
        KubernetesClient admin = cp.client();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("restricted")
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
        Pod plain = new PodBuilder().withNewMetadata().withName("plain").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().build();
        assertThatThrownBy(() -> admin.pods().inNamespace("restricted").resource(plain).create())
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("violates PodSecurity \"restricted:latest\"");
        Pod compliant = new PodBuilder().withNewMetadata().withName("compliant").endMetadata().withNewSpec()
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65532L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewContainer().withName("c").withImage("busybox:1").withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext().endContainer().endSpec().build();
        assertThat(admin.pods().inNamespace("restricted").resource(compliant).create().getMetadata().getUid()).isNotBlank();
    }

    private static KubernetesClient clientOf(java.nio.file.Path kubeconfig) throws Exception {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    }
}
