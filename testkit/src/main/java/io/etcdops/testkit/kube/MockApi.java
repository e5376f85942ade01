package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;

/**
 * fabric8's mock API server in CRUD mode on 127.0.0.1 (plain HTTP), and what the mock-based simulation does in the
 * places of parts a real cluster has: kubeconfigs for pods' JVMs, {@code kubectl create job --from=cronjob}, a held
 * pod's final status.
 */
final class MockApi implements AutoCloseable {
    /** Held so the level sticks: the mock server logs every request through JUL at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final Path root;
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final String url;
    private final Map<String, Path> kubeconfigs = new ConcurrentHashMap<>();

    MockApi(Path root) throws IOException {
        this.root = root;
        MOCK_LOG.setLevel(Level.WARNING);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        this.url = "http://127.0.0.1:" + server.getPort();
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url)
                .withNamespace(KubeSimulation.DEFAULT_NAMESPACE).withRequestRetryBackoffLimit(0).build()).build();
    }

    KubernetesClient client() {
        return client;
    }

    String url() {
        return url;
    }

    /** See {@link KubeSimulation#publishFinalStatusOfPodsHeldBy(String)}. */
    void publishFinalStatusOfPodsHeldBy(String finalizer) {
        try {
            for (Pod p : client.pods().list().getItems()) {
                List<String> finalizers = p.getMetadata().getFinalizers();
                if (p.getMetadata().getDeletionTimestamp() == null || finalizers == null || !finalizers.contains(finalizer)
                        || finalizers.contains(Kubelet.POD_FINALIZER) || p.getStatus() == null
                        || "Failed".equals(p.getStatus().getPhase())) {
                    continue;
                }
                p.getStatus().setPhase("Failed");
                for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
                    cs.setReady(false);
                    cs.setState(new ContainerStateBuilder().withNewTerminated().withExitCode(0).withReason("Completed").endTerminated().build());
                }
                client.pods().resource(p).updateStatus();
            }
        } catch (RuntimeException e) {
            // retried on the next call
        }
    }

    /** What {@code kubectl create job NAME --from=cronjob/CRON} does. */
    Job createJobFromCronJob(String cronJob, String jobName) {
        CronJob cj = Optional.ofNullable(client.batch().v1().cronjobs().withName(cronJob).get())
                .orElseThrow(() -> new IllegalArgumentException("cronjob " + cronJob + " not found"));
        var tmpl = cj.getSpec().getJobTemplate();
        Map<String, String> annotations = new HashMap<>(tmpl.getMetadata() == null || tmpl.getMetadata().getAnnotations() == null
                ? Map.of() : tmpl.getMetadata().getAnnotations());
        annotations.put("cronjob.kubernetes.io/instantiate", "manual");
        Job job = new JobBuilder().withMetadata(new ObjectMetaBuilder().withName(jobName).withNamespace(cj.getMetadata().getNamespace())
                        .withLabels(tmpl.getMetadata() == null ? Map.of() : tmpl.getMetadata().getLabels()).withAnnotations(annotations)
                        .withOwnerReferences(StatefulSetController.ownerReference(cj)).build())
                .withSpec(tmpl.getSpec()).build();
        return client.resource(job).create();
    }

    Path kubeconfig(String namespace) {
        return kubeconfigs.computeIfAbsent(namespace, ns -> {
            Path p = root.resolve("kubeconfig-" + ns + ".yaml");
            String yaml = "apiVersion: v1\nkind: Config\nclusters:\n- name: simulation\n  cluster:\n    server: " + url + "\n"
                    + "contexts:\n- name: simulation\n  context:\n    cluster: simulation\n    namespace: " + ns + "\n"
                    + "    user: simulation\ncurrent-context: simulation\nusers:\n- name: simulation\n  user: {}\n";
            try {
                return Files.writeString(p, yaml, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
