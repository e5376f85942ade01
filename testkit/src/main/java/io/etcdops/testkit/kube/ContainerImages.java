package io.etcdops.testkit.kube;

import io.etcdops.testkit.etcd.EtcdBinaries;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the simulated kubelet can run, by image. Anything else is an explicit {@link UnsupportedContainerException}
 * shown on the pod (waiting reason {@value UnsupportedContainerException#REASON}), never a silent pass.
 *
 * <ul>
 *   <li><b>etcd images</b> — any repository whose last segment is {@code etcd} ({@code quay.io/coreos/etcd:v3.5.30},
 *   {@code gcr.io/etcd-development/etcd:v3.4.23}, {@code registry.k8s.io/etcd:3.5.16-0},
 *   {@code bitnami/etcd:3.5.30}): the tag's version picks the real binaries ({@link EtcdBinaries}); the container's
 *   executable must be {@code etcd}, {@code etcdctl} or {@code etcdutl} (any directory). The official images have no
 *   ENTRYPOINT and {@code CMD ["/usr/local/bin/etcd"]}, so, as on Kubernetes, {@code args} without {@code command}
 *   would execute the first arg. The Bitnami image's entrypoint and {@code run.sh} are shell scripts that cannot run
 *   here: such a pod fails explicitly unless it sets {@code command: [/opt/bitnami/etcd/bin/etcd]}.</li>
 *   <li><b>JVM images</b> registered with {@link #registerJvmMain}: the main class runs in a child JVM on the test's
 *   classpath with the container's args and env. {@code command}, if set, must be the image's {@code java ...} launch
 *   line and is otherwise ignored (the registered main is the image's entrypoint).</li>
 *   <li><b>in-process images</b> registered with {@link #registerInProcess}: a function run on a thread of the test
 *   JVM (no separate environment: it receives the env map), for small helper containers.</li>
 * </ul>
 */
public final class ContainerImages {
    private static final Set<String> ETCD_EXECUTABLES = Set.of("etcd", "etcdctl", "etcdutl");
    private static final List<String> OFFICIAL_CMD = List.of("/usr/local/bin/etcd");
    private static final List<String> BITNAMI_ENTRYPOINT = List.of("/opt/bitnami/scripts/etcd/entrypoint.sh");
    private static final List<String> BITNAMI_CMD = List.of("/opt/bitnami/scripts/etcd/run.sh");

    /** A container main run inside the test JVM; returns the exit code. Interrupted when the pod is deleted. */
    @FunctionalInterface
    public interface InProcessMain {
        int run(List<String> args, Map<String, String> env) throws Exception;
    }

    /** What to run for one container. */
    sealed interface Program permits EtcdExec, JvmMain, InProcess {
    }

    /** A real etcd binary, argv[0] already the absolute path of the version's binary. */
    record EtcdExec(List<String> argv, String version) implements Program {
    }

    /** A main class in a child JVM; {@code jvmOptions} are the system properties the node adds (never the image's). */
    record JvmMain(String mainClass, List<String> args, List<String> jvmOptions) implements Program {
        JvmMain(String mainClass, List<String> args) {
            this(mainClass, args, List.of());
        }
    }

    record InProcess(InProcessMain main, List<String> args) implements Program {
    }

    private final Map<String, String> jvmMains = new ConcurrentHashMap<>();
    private final Map<String, InProcessMain> inProcess = new ConcurrentHashMap<>();

    /** Containers of {@code repository} (any tag) run {@code mainClass} in a child JVM with the test classpath. */
    public ContainerImages registerJvmMain(String repository, String mainClass) {
        jvmMains.put(ImageRef.normalise(repository), mainClass);
        return this;
    }

    /** Containers of {@code repository} (any tag) run {@code main} on a thread of the test JVM. */
    public ContainerImages registerInProcess(String repository, InProcessMain main) {
        inProcess.put(ImageRef.normalise(repository), main);
        return this;
    }

    Program resolve(String containerName, String image, List<String> command, List<String> args) {
        ImageRef ref = ImageRef.parse(image);
        String jvm = jvmMains.get(ref.repository());
        if (jvm != null) {
            requireJavaOrNoCommand(containerName, image, command);
            return new JvmMain(jvm, List.copyOf(args));
        }
        InProcessMain fn = inProcess.get(ref.repository());
        if (fn != null) {
            requireJavaOrNoCommand(containerName, image, command);
            return new InProcess(fn, List.copyOf(args));
        }
        if (ref.name().equals("etcd")) {
            return etcd(containerName, ref, command, args);
        }
        throw new UnsupportedContainerException("container " + containerName + ": image " + image
                + " is not known to the simulation (it runs etcd images and the JVM images a test registers with "
                + "KubeSimulation.images().registerJvmMain)");
    }

    private static Program etcd(String containerName, ImageRef ref, List<String> command, List<String> args) {
        List<String> argv = new ArrayList<>();
        boolean bitnami = ref.isBitnami();
        if (!command.isEmpty()) {
            argv.addAll(command);
            argv.addAll(args);
        } else if (!args.isEmpty()) {
            argv.addAll(bitnami ? BITNAMI_ENTRYPOINT : List.of());
            argv.addAll(args);
        } else {
            argv.addAll(bitnami ? BITNAMI_ENTRYPOINT : List.of());
            argv.addAll(bitnami ? BITNAMI_CMD : OFFICIAL_CMD);
        }
        String exe = argv.get(0);
        String base = Path.of(exe).getFileName().toString();
        if (!ETCD_EXECUTABLES.contains(base)) {
            String why = bitnami && exe.startsWith("/opt/bitnami/scripts/")
                    ? "the Bitnami image's shell scripts (" + exe + ") cannot run in the simulation; only the etcd "
                    + "binaries can (command: [/opt/bitnami/etcd/bin/etcd] runs etcd with the pod's ETCD_* env)"
                    : "the simulation runs only the etcd, etcdctl and etcdutl binaries of an etcd image, directly (no "
                    + "shell, no scripts)" + (command.isEmpty() && !bitnami
                    ? "; the official images have no ENTRYPOINT, so args without command execute their first arg" : "");
            throw new UnsupportedContainerException("container " + containerName + " (" + ref + ") runs '" + exe + "': " + why);
        }
        String version = ref.versionFromTag().orElseThrow(() -> new UnsupportedContainerException("container "
                + containerName + ": image " + ref + " has no version tag; the simulation picks the etcd binary by tag"));
        EtcdBinaries bin;
        try {
            bin = EtcdBinaries.of(version);
        } catch (IllegalStateException e) {
            throw new UnsupportedContainerException("container " + containerName + ": " + e.getMessage());
        }
        Path binary = switch (base) {
            case "etcd" -> bin.etcd();
            case "etcdctl" -> bin.etcdctl();
            default -> bin.etcdutl().orElseThrow(() -> new UnsupportedContainerException("container " + containerName
                    + ": etcd " + version + " ships no etcdutl (3.4 restores with etcdctl snapshot restore)"));
        };
        argv.set(0, binary.toString());
        return new EtcdExec(List.copyOf(argv), version);
    }

    private static void requireJavaOrNoCommand(String containerName, String image, List<String> command) {
        if (!command.isEmpty() && !Path.of(command.get(0)).getFileName().toString().equals("java")) {
            throw new UnsupportedContainerException("container " + containerName + " (" + image + ") sets command "
                    + command + ": a registered JVM image runs its main class; set args only, or a java launch line");
        }
    }
}
