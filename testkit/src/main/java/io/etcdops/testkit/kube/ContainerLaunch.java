package io.etcdops.testkit.kube;

import io.fabric8.kubernetes.api.model.Container;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything needed to (re)start one container: what to run, its environment and working directory. */
record ContainerLaunch(Container container, ContainerImages.Program program, Map<String, String> env, Path workDir,
                       Optional<Probes.ReadinessCheck> readiness, Optional<Probes.ReadinessCheck> liveness) {
    /** The in-pod ServiceAccount folder, and where fabric8's in-cluster config reads each file of it. */
    static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    private static final Map<String, String> IN_CLUSTER_PROPERTIES = Map.of(
            "kubernetes.auth.serviceAccount.token", SERVICE_ACCOUNT_DIR + "/token",
            "kubernetes.certs.ca.file", SERVICE_ACCOUNT_DIR + "/ca.crt",
            "kubenamespace", SERVICE_ACCOUNT_DIR + "/namespace");

    static ContainerLaunch of(Container c, PodSandbox sandbox, ContainerImages images, String podIp, Path simulationRoot) {
        return of(c, sandbox, images, podIp, simulationRoot, false);
    }

    /**
     * Resolves a container of {@code sandbox}'s pod: env, {@code $(VAR)} expansion in command/args, the image's
     * program, mount paths mapped to folders and, for etcd, the pod-local listen hosts.
     */
    static ContainerLaunch of(Container c, PodSandbox sandbox, ContainerImages images, String podIp, Path simulationRoot,
                              boolean withLiveness) {
        Map<String, String> env = sandbox.environment(c);
        Map<String, Path> mounts = sandbox.mounts(c);
        List<String> command = c.getCommand().stream().map(s -> PodSandbox.expand(s, env)).toList();
        List<String> args = c.getArgs().stream().map(s -> PodSandbox.expand(s, env)).toList();
        ContainerImages.Program program = images.resolve(c.getName(), c.getImage(), command, args);
        Path rootfs = Volumes.mkdirs(sandbox.podDir().resolve("rootfs").resolve(c.getName()));
        Map<String, String> outEnv = new LinkedHashMap<>();
        env.forEach((k, v) -> outEnv.put(k, PodSandbox.mapPaths(v, mounts)));
        Optional<URI> etcdClientUrl = Optional.empty();
        if (program instanceof ContainerImages.EtcdExec etcd) {
            List<String> argv = new ArrayList<>();
            for (String a : etcd.argv()) {
                argv.add(PodNetwork.podLocalHosts(PodSandbox.mapPaths(a, mounts), podIp));
            }
            argv.set(0, etcd.argv().get(0));
            outEnv.replaceAll((k, v) -> PodNetwork.podLocalHosts(v, podIp));
            argv = PodSandbox.etcdDirsIntoRootfs(argv, rootfs, simulationRoot);
            PodSandbox.etcdEnvDirsIntoRootfs(outEnv, rootfs, simulationRoot);
            if (isEtcdServer(argv)) {
                etcdClientUrl = Optional.of(requireListenUrl(c, argv, outEnv, "listen-client-urls", podIp));
                requireListenUrl(c, argv, outEnv, "listen-peer-urls", podIp);
            }
            program = new ContainerImages.EtcdExec(List.copyOf(argv), etcd.version());
        } else if (program instanceof ContainerImages.JvmMain jvm) {
            program = new ContainerImages.JvmMain(jvm.mainClass(), jvm.args().stream().map(a -> PodSandbox.mapPaths(a, mounts)).toList(),
                    inClusterProperties(mounts));
        } else if (program instanceof ContainerImages.InProcess ip) {
            program = new ContainerImages.InProcess(ip.main(), ip.args().stream().map(a -> PodSandbox.mapPaths(a, mounts)).toList());
        }
        Path workDir = rootfs;
        if (c.getWorkingDir() != null && !c.getWorkingDir().isEmpty()) {
            String mapped = PodSandbox.mapPaths(c.getWorkingDir(), mounts);
            workDir = mapped.equals(c.getWorkingDir()) ? Volumes.mkdirs(Path.of(rootfs + c.getWorkingDir())) : Path.of(mapped);
        }
        Optional<Probes.ReadinessCheck> readiness = Probes.readiness(c, podIp, etcdClientUrl);
        Optional<Probes.ReadinessCheck> liveness = withLiveness ? Probes.liveness(c, podIp) : Optional.empty();
        return new ContainerLaunch(c, program, Map.copyOf(outEnv), workDir, readiness, liveness);
    }

    /**
     * fabric8's in-cluster config reads the standard in-pod paths unless these system properties name others (checked
     * in fabric8 8.0.0's {@code Config.tryServiceAccount}/{@code tryNamespaceFromPath}): each is the standard path
     * mapped to the container's mount folder, as every other mount path is; none without the ServiceAccount mount.
     */
    static List<String> inClusterProperties(Map<String, Path> mounts) {
        List<String> out = new ArrayList<>();
        new java.util.TreeMap<>(IN_CLUSTER_PROPERTIES).forEach((prop, path) -> {
            String mapped = PodSandbox.mapPaths(path, mounts);
            if (!mapped.equals(path)) {
                out.add("-D" + prop + "=" + mapped);
            }
        });
        return out;
    }

    private static boolean isEtcdServer(List<String> argv) {
        if (!Path.of(argv.get(0)).getFileName().toString().equals("etcd")) {
            return false;
        }
        return argv.stream().noneMatch(a -> a.matches("--?(version|help|h)"));
    }

    /**
     * etcd's default listen URLs are localhost, which every pod would share here: a server must set them (every real
     * StatefulSet does). Returns the first URL.
     */
    private static URI requireListenUrl(Container c, List<String> argv, Map<String, String> env, String flag, String podIp) {
        String value = flagValue(argv, flag).orElse(env.get("ETCD_" + flag.toUpperCase().replace('-', '_')));
        if (value == null || value.isBlank()) {
            throw new UnsupportedContainerException("container " + c.getName() + " does not set --" + flag
                    + " (or ETCD_" + flag.toUpperCase().replace('-', '_') + "): etcd's default localhost URL cannot be "
                    + "told apart between pods in the simulation");
        }
        return URI.create(value.split(",")[0].trim());
    }

    static Optional<String> flagValue(List<String> argv, String flag) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            for (String prefix : new String[] {"--" + flag, "-" + flag}) {
                if (a.startsWith(prefix + "=")) {
                    return Optional.of(a.substring(prefix.length() + 1));
                }
                if (a.equals(prefix) && i + 1 < argv.size()) {
                    return Optional.of(argv.get(i + 1));
                }
            }
        }
        return Optional.empty();
    }
}
