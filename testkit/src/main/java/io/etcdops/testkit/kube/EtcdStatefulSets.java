package io.etcdops.testkit.kube;

import io.etcdops.testkit.etcd.EtcdBinaries;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The flag-style etcd StatefulSet of etcd's own docs ("Run etcd clusters as a Kubernetes StatefulSet", v3.5) with its
 * headless Service, parameterised for tests: name, replicas, etcd version, update strategy and pod management policy.
 * The readiness probe is the docs' {@code /readyz} on the metrics port for etcd 3.5.12+, none (so the simulation's
 * {@code /health} check applies) for older versions, which lack {@code /readyz}.
 */
public final class EtcdStatefulSets {
    private String name = "etcd";
    private int replicas = 3;
    private String version = EtcdBinaries.DEFAULT;
    private String updateStrategy = "RollingUpdate";
    private Integer partition;
    private String podManagementPolicy = "Parallel";

    private EtcdStatefulSets() {
    }

    public static EtcdStatefulSets flagStyle() {
        return new EtcdStatefulSets();
    }

    public EtcdStatefulSets name(String n) {
        this.name = n;
        return this;
    }

    public EtcdStatefulSets replicas(int r) {
        this.replicas = r;
        return this;
    }

    /** The etcd version, e.g. {@code 3.5.30}; the image is {@code quay.io/coreos/etcd:v<version>}. */
    public EtcdStatefulSets version(String v) {
        this.version = v;
        return this;
    }

    /** {@code RollingUpdate} (default, optionally with a partition) or {@code OnDelete}. */
    public EtcdStatefulSets updateStrategy(String type, Integer partition) {
        this.updateStrategy = type;
        this.partition = partition;
        return this;
    }

    /** {@code Parallel} (etcd's docs, the default here) or {@code OrderedReady}. */
    public EtcdStatefulSets podManagementPolicy(String p) {
        this.podManagementPolicy = p;
        return this;
    }

    public static String image(String version) {
        return "quay.io/coreos/etcd:v" + version;
    }

    public StatefulSet statefulSet() {
        String initialCluster = IntStream.range(0, replicas)
                .mapToObj(i -> name + "-" + i + "=$(URI_SCHEME)://" + name + "-" + i + ".$(SERVICE_NAME):2380")
                .collect(Collectors.joining(","));
        boolean readyz = !version.startsWith("3.4.") && !(version.startsWith("3.5.") && patch(version) < 12);
        String probe = readyz ? """
                        readinessProbe:
                          httpGet: {path: /readyz, port: 8080}
                          initialDelaySeconds: 10
                          periodSeconds: 5
                          failureThreshold: 30
                """ : "";
        String yaml = """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: %1$s
                  namespace: default
                spec:
                  serviceName: %1$s
                  replicas: %2$d
                  podManagementPolicy: %3$s
                  updateStrategy:
                    type: %4$s
                %5$s
                  selector:
                    matchLabels: {app: %1$s}
                  template:
                    metadata:
                      labels: {app: %1$s}
                      annotations: {serviceName: %1$s}
                    spec:
                      containers:
                      - name: etcd
                        image: %6$s
                        ports:
                        - {name: etcd-client, containerPort: 2379}
                        - {name: etcd-server, containerPort: 2380}
                        - {name: etcd-metrics, containerPort: 8080}
                %7$s
                        env:
                        - name: K8S_NAMESPACE
                          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
                        - name: HOSTNAME
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                        - name: SERVICE_NAME
                          valueFrom: {fieldRef: {fieldPath: "metadata.annotations['serviceName']"}}
                        - name: ETCDCTL_ENDPOINTS
                          value: $(HOSTNAME).$(SERVICE_NAME):2379
                        - name: URI_SCHEME
                          value: http
                        command: [/usr/local/bin/etcd]
                        args:
                        - --name=$(HOSTNAME)
                        - --data-dir=/data
                        - --wal-dir=/data/wal
                        - --listen-peer-urls=$(URI_SCHEME)://0.0.0.0:2380
                        - --listen-client-urls=$(URI_SCHEME)://0.0.0.0:2379
                        - --advertise-client-urls=$(URI_SCHEME)://$(HOSTNAME).$(SERVICE_NAME):2379
                        - --initial-cluster-state=new
                        - --initial-cluster-token=%1$s-$(K8S_NAMESPACE)
                        - --initial-cluster=%8$s
                        - --initial-advertise-peer-urls=$(URI_SCHEME)://$(HOSTNAME).$(SERVICE_NAME):2380
                        - --listen-metrics-urls=http://0.0.0.0:8080
                        volumeMounts:
                        - {name: etcd-data, mountPath: /data}
                  volumeClaimTemplates:
                  - metadata: {name: etcd-data}
                    spec:
                      accessModes: [ReadWriteOnce]
                      resources: {requests: {storage: 1Gi}}
                """.formatted(name, replicas, podManagementPolicy, updateStrategy,
                partition == null ? "" : "    rollingUpdate: {partition: " + partition + "}",
                image(version), probe, initialCluster);
        return Serialization.unmarshal(yaml, StatefulSet.class);
    }

    public Service headlessService() {
        String yaml = """
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s, namespace: default}
                spec:
                  type: ClusterIP
                  clusterIP: None
                  selector: {app: %1$s}
                  publishNotReadyAddresses: true
                  ports:
                  - {name: etcd-client, port: 2379}
                  - {name: etcd-server, port: 2380}
                  - {name: etcd-metrics, port: 8080}
                """.formatted(name);
        return Serialization.unmarshal(yaml, Service.class);
    }

    /** The Service and the StatefulSet, in the order to apply them. */
    public List<HasMetadata> objects() {
        List<HasMetadata> out = new ArrayList<>();
        out.add(headlessService());
        out.add(statefulSet());
        return out;
    }

    private static int patch(String v) {
        String[] p = v.split("\\.");
        return p.length < 3 ? 0 : Integer.parseInt(p[2].replaceAll("\\D.*", ""));
    }
}
