package io.etcdops.testkit.controlplane;

import io.etcdops.testkit.Poll;
import io.etcdops.testkit.etcd.EtcdBinaries;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdProcesses;
import io.etcdops.testkit.etcd.FreePorts;
import io.etcdops.testkit.etcd.TestCertificates;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Kubernetes control plane on 127.0.0.1 for tests: a one-member etcd 3.6 for its storage, the real
 * kube-apiserver (TLS, client-certificate users, {@code Node,RBAC} authorization, admission with ServiceAccount,
 * NodeRestriction and PodSecurity, service-account token issuing) and the real kube-controller-manager with the
 * controllers etcd-ops relies on (StatefulSet, Job, CronJob, garbage collector, namespace, service accounts and their
 * tokens, root-CA publisher, PV binder, PV and PVC protection), each controller with its own service-account credentials. Services get
 * ClusterIPs from a range that exists in the API only: nothing ever connects to one. No kubelet: pods stay Pending
 * until a node agent runs them. Close it: every process is killed and its folder removed.
 */
public final class ControlPlane implements AutoCloseable {
    /** The apiserver's Service range: addresses that exist in the API only. */
    public static final String SERVICE_CIDR = "10.96.0.0/16";
    private static final Duration UP = Duration.ofSeconds(120);
    static final String[] CONTROLLERS = {"statefulset-controller", "job-controller", "cronjob-controller",
            "garbage-collector-controller", "namespace-controller", "serviceaccount-controller",
            "serviceaccount-token-controller", "root-ca-certificate-publisher-controller", "persistentvolume-binder-controller",
            // without them a deleted claim or volume would keep its kubernetes.io/pv(c)-protection finalizer forever
            "persistentvolumeclaim-protection-controller", "persistentvolume-protection-controller"};

    private final Path dir;
    private final KubeBinaries bin;
    private final EtcdCluster etcd;
    private final List<Process> processes = new ArrayList<>();
    private final TestCertificates pki;
    private final URI server;
    private final Path adminKubeconfig;
    private KubernetesClient admin;

    private ControlPlane(Path dir, KubeBinaries bin, String etcdVersion) {
        this.dir = dir;
        this.bin = bin;
        this.etcd = EtcdCluster.start(etcdVersion, 1);
        this.pki = TestCertificates.create(dir.resolve("pki"), "kube-ca");
        this.server = URI.create("https://127.0.0.1:" + FreePorts.next());
        TestCertificates.Pair adminCert = pki.client("admin", "kubernetes-admin", "system:masters");
        this.adminKubeconfig = Kubeconfig.write(dir.resolve("admin.kubeconfig"), server, pki.caFile(), adminCert.cert(),
                adminCert.key(), "kubernetes-admin");
    }

    /** Kubernetes {@link KubeBinaries#DEFAULT} on etcd {@link EtcdBinaries#V3_6}. */
    public static ControlPlane start() {
        return start(KubeBinaries.DEFAULT, EtcdBinaries.V3_6);
    }

    public static ControlPlane start(String kubeVersion, String etcdVersion) {
        KubeBinaries bin = KubeBinaries.of(kubeVersion);
        Path dir;
        try {
            dir = Files.createTempDirectory("etcd-ops-controlplane-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ControlPlane cp = new ControlPlane(dir, bin, etcdVersion);
        try {
            cp.startApiServer();
            cp.startControllerManager();
            return cp;
        } catch (RuntimeException e) {
            cp.close();
            throw e;
        }
    }

    private void startApiServer() {
        TestCertificates.Pair serving = pki.server("kube-apiserver", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");
        TestCertificates.Pair sa = pki.keyPair("service-account");
        List<String> cmd = new ArrayList<>(bin.command("kube-apiserver"));
        cmd.addAll(List.of(
                "--etcd-servers=" + etcd.member(0).clientUrl(),
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + server.getPort(),
                "--tls-cert-file=" + serving.cert(), "--tls-private-key-file=" + serving.key(),
                "--client-ca-file=" + pki.caFile(),
                "--authorization-mode=Node,RBAC",
                // ServiceAccount and PodSecurity are on by default; NodeRestriction is not
                "--enable-admission-plugins=NodeRestriction",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + sa.cert(), "--service-account-signing-key-file=" + sa.key(),
                "--api-audiences=https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range=" + SERVICE_CIDR,
                // kubectl logs/exec make the API server dial the node: by its InternalIP (127.0.0.1), never a DNS name
                "--kubelet-preferred-address-types=InternalIP",
                "--allow-privileged=false", "--profiling=false", "--v=1"));
        start("kube-apiserver", cmd);
        admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(read(adminKubeconfig))).build();
        Poll.until("kube-apiserver /readyz", UP, () -> {
            try {
                return "ok".equals(admin.raw("/readyz"));
            } catch (RuntimeException e) {
                return false;
            }
        }, () -> diagnostics("kube-apiserver"));
    }

    private void startControllerManager() {
        TestCertificates.Pair kcm = pki.client("kube-controller-manager", "system:kube-controller-manager");
        Path kubeconfig = Kubeconfig.write(dir.resolve("kcm.kubeconfig"), server, pki.caFile(), kcm.cert(), kcm.key(),
                "system:kube-controller-manager");
        List<String> cmd = new ArrayList<>(bin.command("kube-controller-manager"));
        cmd.addAll(List.of(
                "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--controllers=" + String.join(",", CONTROLLERS),
                "--use-service-account-credentials=true",
                "--service-account-private-key-file=" + dir.resolve("pki/service-account.key"),
                "--root-ca-file=" + pki.caFile(),
                "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=" + FreePorts.next(),
                "--profiling=false", "--v=1"));
        start("kube-controller-manager", cmd);
        // ready when the service-account controller has made the default namespace's ServiceAccount
        Poll.until("kube-controller-manager (default ServiceAccount)", UP,
                () -> admin.serviceAccounts().inNamespace("default").withName("default").get() != null,
                () -> diagnostics("kube-controller-manager"));
    }

    private void start(String name, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".log").toFile()).start();
            EtcdProcesses.register(p);
            processes.add(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** The admin's client (system:masters). */
    public KubernetesClient client() {
        return admin;
    }

    /** The admin's kubeconfig file, for kubectl and helm. */
    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    /** The real kubectl of this Kubernetes version (a link to the multi-call binary). */
    public Path kubectl() {
        return bin.kube().resolveSibling("kubectl");
    }

    public String kubeVersion() {
        return bin.version();
    }

    public URI server() {
        return server;
    }

    public Path caFile() {
        return pki.caFile();
    }

    public TestCertificates certificates() {
        return pki;
    }

    /** A kubeconfig of a new client-certificate user (no permissions until RBAC grants some). */
    public Path kubeconfigFor(String user, String... groups) {
        TestCertificates.Pair c = pki.client("user-" + user, user, groups);
        return Kubeconfig.write(dir.resolve("user-" + user + ".kubeconfig"), server, pki.caFile(), c.cert(), c.key(), user);
    }

    /** The last lines of a component's log, for failure messages. */
    public String diagnostics(String component) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(component + ".log"), StandardCharsets.UTF_8);
            return component + " log (last 15 lines):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return component + ": no log (" + e.getMessage() + ")";
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        etcd.close();
        io.etcdops.testkit.Folders.deleteQuietly(dir);
    }
}
