package io.etcdops.health.bench;

import io.etcdops.core.runtime.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcdops.testkit.etcd.DataFiller;
import io.etcdops.testkit.etcd.EtcdCluster;
import io.etcdops.testkit.etcd.EtcdClusterSpec;
import io.etcdops.testkit.etcd.EtcdMember;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark (not a test): defragmenting a fragmented 3-member cluster with health-checker --defrag versus the plain
 * loop {@code etcdctl defrag} over every endpoint that cron scripts run, same cluster, same run, alternating, while
 * one writer per member and one endpoint-rotating writer write continuously. Prints one line per run and a summary;
 * bench/health-defrag.sh runs it (see bench/RESULTS.md).
 *
 * <p>Arguments: version liveMiB fragMiB repetitions healthCheckerJar [resultsFile [methods]], methods a comma list of
 * etcdctl-loop (members in list order, etcdctl's default 5 s timeout), health-checker, etcdctl-leader-last (followers
 * first, leader last in place, 120 s timeout) and etcdctl-move-leader (followers first, then move leadership to a
 * defragmented follower, then the old leader; 120 s timeout).
 */
public final class DefragBench {

    public static void main(String[] args) throws Exception {
        String version = args[0];
        long liveMib = Long.parseLong(args[1]);
        long fragMib = Long.parseLong(args[2]);
        int reps = Integer.parseInt(args[3]);
        Path jar = Path.of(args[4]);
        List<String> lines = new ArrayList<>();
        List<String> methods = args.length > 6 ? List.of(args[6].split(",")) : List.of("etcdctl-loop", "health-checker");
        try (EtcdCluster c = EtcdCluster.start(EtcdClusterSpec.of(version, 3)); Client client = c.client()) {
            long t0 = System.nanoTime();
            DataFiller.fill(client, liveMib << 20, 16 * 1024);
            // DataFiller writes /registry/pods/...: move the live set aside so the fragmenting data can be deleted alone
            System.err.printf("live data %d MiB written in %.1fs%n", liveMib, (System.nanoTime() - t0) / 1e9);
            for (int rep = 1; rep <= reps; rep++) {
                for (String method : methods) {
                    fragment(c, client, fragMib);
                    String sizes = sizes(c, client);
                    Writers w = Writers.start(c);
                    long start = System.nanoTime();
                    String detail = switch (method) {
                        case "etcdctl-loop" -> etcdctlLoop(c);
                        case "health-checker" -> healthChecker(c, jar);
                        case "etcdctl-leader-last" -> etcdctlLeaderLast(c, client, false);
                        case "etcdctl-move-leader" -> etcdctlLeaderLast(c, client, true);
                        default -> throw new IllegalArgumentException("unknown method " + method);
                    };
                    double seconds = (System.nanoTime() - start) / 1e9;
                    Thread.sleep(1000); // let a stalled writer finish its put
                    Writers.Result r = w.stop();
                    String line = String.format(Locale.ROOT,
                            "%s live=%dMiB rep=%d method=%-14s total=%6.1fs  before[%s] after[%s]  longestGap=%.2fs (member writers %.2fs, rotating %.2fs)  failedWrites=%d okWrites=%d  %s",
                            version, liveMib, rep, method, seconds, sizes, sizes(c, client), r.longestGap(), r.memberWritersGap(), r.rotatingGap(),
                            r.failed(), r.ok(), detail + (r.errors().isEmpty() ? "" : " errors=" + r.errors()));
                    System.out.println(line);
                    lines.add(line);
                }
            }
        }
        if (args.length > 5) {
            Files.write(Path.of(args[5]), lines, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    /** Writes fragMiB under /bench/frag/, deletes it and compacts: the file keeps its size, the in-use part shrinks. */
    static void fragment(EtcdCluster c, Client client, long fragMib) throws Exception {
        byte[] value = new byte[16 * 1024];
        java.util.Arrays.fill(value, (byte) 'f');
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
        long n = (fragMib << 20) / value.length;
        List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            inFlight.acquire();
            pending.add(client.getKVClient().put(bytes("/bench/frag/" + i), ByteSequence.from(value)).whenComplete((x, e) -> inFlight.release()));
            if (pending.size() > 512) {
                pending.removeIf(java.util.concurrent.CompletableFuture::isDone);
            }
        }
        for (var f : pending) {
            f.get(60, TimeUnit.SECONDS);
        }
        long rev = client.getKVClient().delete(bytes("/bench/frag/"), DeleteOption.builder().isPrefix(true).build())
                .get(120, TimeUnit.SECONDS).getHeader().getRevision();
        client.getKVClient().compact(rev, CompactOption.builder().withCompactPhysical(true).build()).get(300, TimeUnit.SECONDS);
    }

    static String sizes(EtcdCluster c, Client client) throws Exception {
        List<String> out = new ArrayList<>();
        for (EtcdMember m : c.members()) {
            StatusResponse s = client.getMaintenanceClient().statusMember(m.clientUrl()).get(30, TimeUnit.SECONDS);
            out.add(String.format(Locale.ROOT, "%s%s %d/%dMiB", m.name(), s.getLeader() == s.getHeader().getMemberId() ? "*" : "",
                    s.getDbSizeInUse() >> 20, s.getDbSize() >> 20));
        }
        return String.join(", ", out);
    }

    /** What cron scripts do: etcdctl defrag against each endpoint in turn, with etcdctl's default 5 s command timeout. */
    static String etcdctlLoop(EtcdCluster c) throws Exception {
        List<String> parts = new ArrayList<>();
        for (EtcdMember m : c.members()) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder(m.binaries().etcdctl().toString(), "--endpoints", m.clientUrl(), "defrag")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            parts.add(String.format(Locale.ROOT, "%s %.1fs%s", m.name(), (System.nanoTime() - t) / 1e9,
                    code == 0 ? "" : " FAILED(" + firstLine(out) + ")"));
        }
        return "members[" + String.join(", ", parts) + "]";
    }

    /** Followers first, then the leader; with {@code moveLeader} leadership goes to a defragmented follower first. */
    static String etcdctlLeaderLast(EtcdCluster c, Client client, boolean moveLeader) throws Exception {
        EtcdMember leader = null;
        List<EtcdMember> followers = new ArrayList<>();
        for (EtcdMember m : c.members()) {
            StatusResponse s = client.getMaintenanceClient().statusMember(m.clientUrl()).get(30, TimeUnit.SECONDS);
            if (s.getLeader() == s.getHeader().getMemberId()) {
                leader = m;
            } else {
                followers.add(m);
            }
        }
        List<String> parts = new ArrayList<>();
        for (EtcdMember m : followers) {
            parts.add(etcdctl(m, m.name(), "--command-timeout", "120s", "defrag"));
        }
        if (moveLeader) {
            long target = client.getMaintenanceClient().statusMember(followers.get(0).clientUrl()).get(30, TimeUnit.SECONDS)
                    .getHeader().getMemberId();
            parts.add(etcdctl(leader, "move-leader", "--command-timeout", "30s", "move-leader", Long.toHexString(target)));
        }
        parts.add(etcdctl(leader, leader.name() + (moveLeader ? "(old leader)" : "*"), "--command-timeout", "120s", "defrag"));
        return "members[" + String.join(", ", parts) + "]";
    }

    private static String etcdctl(EtcdMember at, String label, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(at.binaries().etcdctl().toString(), "--endpoints", at.clientUrl()));
        cmd.addAll(List.of(args));
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        return String.format(Locale.ROOT, "%s %.1fs%s", label, (System.nanoTime() - t) / 1e9, code == 0 ? "" : " FAILED(" + firstLine(out) + ")");
    }

    static String healthChecker(EtcdCluster c, Path jar) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("java", "-jar", jar.toString(), "--endpoints", c.endpoints(), "--defrag",
                "--fragmentation-min-size", "64MiB", "--fragmentation-ratio", "0.99", "--metrics", "off", "--no-hashkv", "--format", "json")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse("{}");
        var tree = io.etcdops.core.runtime.Json.mapper().readTree(json);
        List<String> parts = new ArrayList<>();
        for (var s : tree.path("actions").path(0).path("steps")) {
            double secs = Duration.between(java.time.Instant.parse(s.path("startedAt").asText()),
                    java.time.Instant.parse(s.path("finishedAt").asText())).toMillis() / 1000.0;
            parts.add(String.format(Locale.ROOT, "%s%s %.1fs %s", s.path("member").asText(), s.path("leader").asBoolean() ? "*" : "", secs,
                    s.path("outcome").asText()));
        }
        return "exit=" + code + " members[" + String.join(", ", parts) + "]";
    }

    private static String firstLine(String s) {
        String l = s.lines().filter(x -> x.startsWith("Error")).findFirst()
                .orElse(s.lines().filter(x -> x.contains("error")).findFirst().orElse(s.lines().findFirst().orElse("")));
        return l.length() > 120 ? l.substring(0, 120) : l;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
