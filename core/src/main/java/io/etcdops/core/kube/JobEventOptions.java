package io.etcdops.core.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * For jobs that do not otherwise talk to Kubernetes (backup-job): which StatefulSet to report Kubernetes Events on,
 * so `kubectl describe statefulset etcd` shows that a backup failed. Off unless a StatefulSet is named; the API is
 * reached through fabric8's usual configuration (in-cluster ServiceAccount, or KUBECONFIG / KUBERNETES_MASTER).
 * Writing an Event never fails the job. Same option names, variables and namespace rule as
 * {@link StatefulSetTargetOptions}, which the jobs that act on the StatefulSet use instead.
 */
public class JobEventOptions {
    private static final Logger LOG = LoggerFactory.getLogger(JobEventOptions.class);

    @Option(names = StatefulSetTargetOptions.STATEFULSET, paramLabel = "NAME", defaultValue = "${env:ETCD_OPS_STATEFULSET}",
            description = "The etcd StatefulSet this job serves: Kubernetes Events about the run are written on it (env ETCD_OPS_STATEFULSET).")
    String statefulSet;

    @Option(names = StatefulSetTargetOptions.NAMESPACE, paramLabel = "NS", defaultValue = "${env:ETCD_OPS_NAMESPACE}",
            description = "Its namespace (env ETCD_OPS_NAMESPACE; default: the pod's, else the kubeconfig's).")
    String namespace;

    /** A sink for this run's Events; a no-op when no StatefulSet is named or the API cannot be configured. */
    public Sink open(String component) {
        if (statefulSet == null || statefulSet.isBlank()) {
            return Sink.NONE;
        }
        try {
            KubernetesClient client = new KubernetesClientBuilder().build();
            String ns = StatefulSetTargetOptions.namespaceOf(namespace, client, KubernetesEnvironment.current());
            KubernetesEvents events = new KubernetesEvents(client, ns, statefulSet, component, KubernetesEnvironment.current().identity());
            return new Sink() {
                @Override
                public void normal(String reason, String message) {
                    events.normal(reason, message);
                }

                @Override
                public void warning(String reason, String message) {
                    events.warning(reason, message);
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        } catch (RuntimeException e) {
            LOG.warn("Kubernetes Events disabled: {}", e.getMessage());
            return Sink.NONE;
        }
    }

    /** Where Events go. */
    public interface Sink extends AutoCloseable {
        void normal(String reason, String message);

        void warning(String reason, String message);

        @Override
        void close();

        Sink NONE = new Sink() {
            @Override
            public void normal(String reason, String message) {
            }

            @Override
            public void warning(String reason, String message) {
            }

            @Override
            public void close() {
            }
        };
    }
}
