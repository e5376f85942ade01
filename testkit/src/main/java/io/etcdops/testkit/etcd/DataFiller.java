package io.etcdops.testkit.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Fills a cluster with values that look like Kubernetes objects (JSON text with repeated field names, UIDs,
 * timestamps), so compression is measured honestly. Values stay ≤ 64 KiB: etcd keeps recent raft entries in memory
 * and large values blow its memory up (TESTING.md).
 */
public final class DataFiller {

    public record Result(long keys, long bytes) {
    }

    private DataFiller() {
    }

    /** For benchmarks: {@code DataFiller ENDPOINTS BYTES VALUE_SIZE [KEY_OFFSET]} fills a running cluster. */
    public static void main(String[] args) {
        try (Client c = Client.builder().endpoints(args[0].split(",")).build()) {
            Result r = fill(c, Long.parseLong(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Long.parseLong(args[3]) : 0);
            System.out.println(r.keys() + " keys, " + r.bytes() + " bytes");
        }
    }

    public static Result fill(Client client, long totalBytes, int valueSize) {
        return fill(client, totalBytes, valueSize, 0);
    }

    public static Result fill(Client client, long totalBytes, int valueSize, long keyOffset) {
        if (valueSize > 64 * 1024) {
            throw new IllegalArgumentException("values must be <= 64 KiB (etcd memory, see TESTING.md)");
        }
        Random rnd = new Random(42);
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        long written = 0;
        long keys = 0;
        try {
            while (written < totalBytes) {
                String key = String.format("/registry/pods/ns-%03d/pod-%08d", (keys + keyOffset) % 97, keys + keyOffset);
                byte[] value = podJson(rnd, key, valueSize);
                inFlight.acquire();
                CompletableFuture<?> f = client.getKVClient()
                        .put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value))
                        .whenComplete((r, e) -> inFlight.release());
                pending.add(f);
                if (pending.size() > 256) {
                    // only the writes that succeeded: a refused one must still fail the fill below
                    pending.removeIf(p -> p.isDone() && !p.isCompletedExceptionally());
                }
                written += value.length;
                keys++;
            }
            for (CompletableFuture<?> f : pending) {
                f.get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("filling etcd failed after " + keys + " keys: " + e.getMessage(), e);
        }
        return new Result(keys, written);
    }

    static byte[] podJson(Random rnd, String key, int size) {
        StringBuilder sb = new StringBuilder(size + 256);
        sb.append("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"").append(key.substring(key.lastIndexOf('/') + 1))
                .append("\",\"namespace\":\"").append(key.split("/")[3]).append("\",\"uid\":\"")
                .append(new java.util.UUID(rnd.nextLong(), rnd.nextLong())).append("\",\"resourceVersion\":\"")
                .append(rnd.nextInt(1_000_000)).append("\",\"labels\":{\"app\":\"web\",\"tier\":\"frontend\"}},\"spec\":{\"containers\":[");
        int i = 0;
        while (sb.length() < size - 200) {
            sb.append("{\"name\":\"c").append(i).append("\",\"image\":\"registry.k8s.io/app:v1.").append(rnd.nextInt(40))
                    .append("\",\"env\":[{\"name\":\"VAR_").append(i).append("\",\"value\":\"").append(Long.toHexString(rnd.nextLong()))
                    .append("\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}},");
            i++;
        }
        sb.append("{}]},\"status\":{\"phase\":\"Running\"}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
