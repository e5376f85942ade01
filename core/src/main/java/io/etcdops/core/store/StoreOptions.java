package io.etcdops.core.store;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Provider settings that do not fit in the URI. Credentials are never here: each SDK's default chain is used
 * (IRSA / Pod Identity / env / profile for S3, ADC / Workload Identity for GCS, DefaultAzureCredential or
 * {@code AZURE_STORAGE_CONNECTION_STRING} / {@code AZURE_STORAGE_KEY} for Azure).
 *
 * @param s3Endpoint      S3-compatible endpoint (MinIO, Ceph, S3Proxy); null for AWS
 * @param s3PathStyle     path-style addressing (most S3-compatible servers need it)
 * @param s3Region        region; null lets the SDK chain decide (falls back to us-east-1 with a custom endpoint)
 * @param s3Sse           server-side encryption: "none", "s3" (SSE-S3, AES256) or "kms" (SSE-KMS)
 * @param s3SseKmsKeyId   KMS key id for "kms"; null for the bucket's default key
 * @param gcsEndpoint     GCS endpoint override (emulators); null for Google
 * @param azureEndpoint   Azure blob endpoint override (e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1)
 * @param partSizeBytes   multipart part / block size
 * @param parallelism     parts uploaded at once (buffers in flight = partSize * (parallelism + 1))
 * @param maxAttempts     attempts per request for transient errors
 * @param requestTimeout  timeout of one request (a part, a list page)
 * @param partBufferDir   where the parts in flight are kept as files (backups pass their spool directory); null
 *                        keeps them on the heap
 */
public record StoreOptions(
        String s3Endpoint,
        boolean s3PathStyle,
        String s3Region,
        String s3Sse,
        String s3SseKmsKeyId,
        String gcsEndpoint,
        String azureEndpoint,
        int partSizeBytes,
        int parallelism,
        int maxAttempts,
        Duration requestTimeout,
        Path partBufferDir) {

    public static final int DEFAULT_PART_SIZE = 5 * 1024 * 1024;

    public static StoreOptions defaults() {
        return new StoreOptions(null, false, null, "none", null, null, null, DEFAULT_PART_SIZE, 3, 5, Duration.ofMinutes(2), null);
    }

    public StoreOptions withS3(String endpoint, boolean pathStyle, String region) {
        return new StoreOptions(endpoint, pathStyle, region, s3Sse, s3SseKmsKeyId, gcsEndpoint, azureEndpoint,
                partSizeBytes, parallelism, maxAttempts, requestTimeout, partBufferDir);
    }

    public StoreOptions withAzureEndpoint(String endpoint) {
        return new StoreOptions(s3Endpoint, s3PathStyle, s3Region, s3Sse, s3SseKmsKeyId, gcsEndpoint, endpoint,
                partSizeBytes, parallelism, maxAttempts, requestTimeout, partBufferDir);
    }

    public StoreOptions withParts(int partSize, int parallel) {
        return new StoreOptions(s3Endpoint, s3PathStyle, s3Region, s3Sse, s3SseKmsKeyId, gcsEndpoint, azureEndpoint,
                partSize, parallel, maxAttempts, requestTimeout, partBufferDir);
    }

    public StoreOptions withSse(String sse, String kmsKeyId) {
        return new StoreOptions(s3Endpoint, s3PathStyle, s3Region, sse, kmsKeyId, gcsEndpoint, azureEndpoint,
                partSizeBytes, parallelism, maxAttempts, requestTimeout, partBufferDir);
    }

    /** Parts in flight as files of {@code dir} instead of heap arrays. */
    public StoreOptions withPartBufferDir(Path dir) {
        return new StoreOptions(s3Endpoint, s3PathStyle, s3Region, s3Sse, s3SseKmsKeyId, gcsEndpoint, azureEndpoint,
                partSizeBytes, parallelism, maxAttempts, requestTimeout, dir);
    }
}
