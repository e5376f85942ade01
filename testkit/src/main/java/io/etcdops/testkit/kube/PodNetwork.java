package io.etcdops.testkit.kube;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The simulation's network: one loopback address per pod and the cluster's DNS table.
 *
 * <p>Every pod gets its own address in a random {@code 127.A.B.0/24} (Linux routes all of 127/8 to {@code lo}), kept for
 * the pod's name for the life of the simulation, so every member listens on the standard ports 2379/2380 and two
 * simulations on one machine do not collide. An address whose ports 2379/2380 are taken is skipped.
 *
 * <p>DNS: the names a headless Service gives a StatefulSet's pods ({@code <pod>.<svc>}, {@code <pod>.<svc>.<ns>},
 * {@code ...svc}, {@code ...svc.cluster.local}) are written to one hosts file. etcd reads it as its {@code /etc/hosts}
 * (bind-mounted in a private mount namespace, see {@link ContainerImages}), child JVMs read it through
 * {@code -Djdk.net.hosts.file}, and the test's own JVM asks {@link #resolve(URI)}. Names are known from the moment a
 * StatefulSet exists (its ordinals 0..replicas+1), before the pods, as the per-pod DNS of a real cluster is what etcd's
 * {@code --initial-cluster} points at.
 */
public final class PodNetwork {
    public static final String CLUSTER_DOMAIN = "cluster.local";
    private static final Pattern LOOPBACK_HOST = Pattern.compile(
            "(?<=://)(0\\.0\\.0\\.0|\\[::]|localhost|127\\.0\\.0\\.1)(?=[:/,]|$)|(?<=^|[=,\\s])(localhost|127\\.0\\.0\\.1)(?=:\\d)");

    private final String prefix;
    private final Path hostsFile;
    private final Map<String, String> ipByPod = new LinkedHashMap<>();
    private final Map<String, String> ipByName = new TreeMap<>();
    private int nextHost = 2;

    PodNetwork(Path hostsFile) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.prefix = "127." + r.nextInt(64, 255) + "." + r.nextInt(0, 255) + ".";
        this.hostsFile = hostsFile;
        writeHostsFile();
    }

    /** The hosts file every simulated process resolves pod names with. */
    public Path hostsFile() {
        return hostsFile;
    }

    /** The pod's address, allocated on first use and stable for the pod's name (a recreated pod keeps it). */
    public synchronized String ipFor(String namespace, String pod) {
        String key = namespace + "/" + pod;
        String ip = ipByPod.get(key);
        if (ip != null) {
            return ip;
        }
        while (nextHost < 255) {
            String candidate = prefix + nextHost++;
            if (portsFree(candidate)) {
                ipByPod.put(key, candidate);
                return candidate;
            }
        }
        throw new IllegalStateException("no free pod address left in " + prefix + "0/24");
    }

    /** Registers the per-pod DNS names of {@code pod} under the headless service {@code service}. */
    public synchronized void registerPod(String namespace, String pod, String service) {
        String ip = ipFor(namespace, pod);
        boolean changed = false;
        for (String name : List.of(pod + "." + service, pod + "." + service + "." + namespace,
                pod + "." + service + "." + namespace + ".svc", pod + "." + service + "." + namespace + ".svc." + CLUSTER_DOMAIN)) {
            changed |= !ip.equals(ipByName.put(name, ip));
        }
        if (changed) {
            writeHostsFile();
        }
    }

    /** A name's address, as the cluster DNS would answer it (exact names only, lower case). */
    public synchronized Optional<String> lookup(String host) {
        return Optional.ofNullable(ipByName.get(host.toLowerCase(Locale.ROOT)));
    }

    /**
     * The URL with its host replaced by the pod address it resolves to; other URLs unchanged. This is what the test's
     * JVM uses where a pod's JVM would ask DNS (core's {@code EndpointResolver} seam).
     */
    public URI resolve(URI url) {
        if (url.getHost() == null) {
            return url;
        }
        Optional<String> ip = lookup(url.getHost());
        if (ip.isEmpty()) {
            return url;
        }
        try {
            return new URI(url.getScheme(), url.getUserInfo(), ip.get(), url.getPort(), url.getPath(), url.getQuery(), url.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
    }

    /**
     * A pod has its own network namespace; here all pods share the host's. So the wildcard and loopback hosts a
     * container listens on ({@code 0.0.0.0}, {@code [::]}, {@code localhost}, {@code 127.0.0.1} in URLs and in
     * {@code host:port}) become the pod's own address, and a list that then names one URL twice keeps it once.
     * Nothing else in a value is touched.
     */
    static String podLocalHosts(String value, String podIp) {
        if (value == null) {
            return null;
        }
        String out = LOOPBACK_HOST.matcher(value).replaceAll(podIp);
        if (out.equals(value) || !out.contains(",")) {
            return out;
        }
        // "http://0.0.0.0:2379,http://127.0.0.1:2379" would now list one address twice, which etcd cannot bind
        return String.join(",", new java.util.LinkedHashSet<>(List.of(out.split(","))));
    }

    synchronized Map<String, String> names() {
        return Map.copyOf(ipByName);
    }

    private void writeHostsFile() {
        // Rewritten in place (same inode): the file is bind-mounted into running etcd processes.
        StringBuilder sb = new StringBuilder("127.0.0.1 localhost\n");
        Map<String, StringBuilder> byIp = new LinkedHashMap<>();
        ipByName.forEach((name, ip) -> byIp.computeIfAbsent(ip, k -> new StringBuilder(k)).append(' ').append(name));
        byIp.values().forEach(line -> sb.append(line).append('\n'));
        try {
            Files.writeString(hostsFile, sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hostsFile, e);
        }
    }

    private static boolean portsFree(String ip) {
        for (int port : new int[] {2379, 2380}) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
