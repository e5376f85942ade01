package io.etcdops.core.store;

import picocli.CommandLine.Option;

/** The --store flag and provider options shared by every job that reads or writes snapshots (a picocli mixin). */
public class StoreCliOptions {

    @Option(names = "--store", paramLabel = "URI", defaultValue = "${env:ETCD_OPS_STORE}",
            description = "Where snapshots live: file:///path, s3://bucket/prefix, gs://bucket/prefix, "
                    + "azblob://account/container/prefix or https://account.blob.core.windows.net/container/prefix (env ETCD_OPS_STORE).")
    public String store;

    @Option(names = "--s3-endpoint", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_S3_ENDPOINT}",
            description = "S3-compatible endpoint (MinIO, Ceph RGW, ...) (env ETCD_OPS_S3_ENDPOINT).")
    String s3Endpoint;

    @Option(names = "--s3-path-style", defaultValue = "${env:ETCD_OPS_S3_PATH_STYLE:-false}", arity = "0..1", fallbackValue = "true",
            description = "Path-style S3 addressing, needed by most S3-compatible servers (env ETCD_OPS_S3_PATH_STYLE).")
    boolean s3PathStyle;

    @Option(names = "--s3-region", paramLabel = "REGION", defaultValue = "${env:ETCD_OPS_S3_REGION}",
            description = "S3 region; default from the AWS SDK chain (AWS_REGION), us-east-1 with --s3-endpoint (env ETCD_OPS_S3_REGION).")
    String s3Region;

    @Option(names = "--s3-sse", paramLabel = "none|s3|kms", defaultValue = "${env:ETCD_OPS_S3_SSE:-none}",
            description = "S3 server-side encryption: none, s3 (SSE-S3) or kms (SSE-KMS) (env ETCD_OPS_S3_SSE; default ${DEFAULT-VALUE}).")
    String s3Sse;

    @Option(names = "--s3-sse-kms-key-id", paramLabel = "KEY", defaultValue = "${env:ETCD_OPS_S3_SSE_KMS_KEY_ID}",
            description = "KMS key for --s3-sse kms; default the bucket's key (env ETCD_OPS_S3_SSE_KMS_KEY_ID).")
    String s3SseKmsKeyId;

    @Option(names = "--gcs-endpoint", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_GCS_ENDPOINT}",
            description = "GCS endpoint override, e.g. an emulator (env ETCD_OPS_GCS_ENDPOINT).")
    String gcsEndpoint;

    @Option(names = "--azure-endpoint", paramLabel = "URL", defaultValue = "${env:ETCD_OPS_AZURE_ENDPOINT}",
            description = "Azure blob endpoint override, e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1 (env ETCD_OPS_AZURE_ENDPOINT).")
    String azureEndpoint;

    @Option(names = "--part-size-mib", paramLabel = "MIB", defaultValue = "${env:ETCD_OPS_PART_SIZE_MIB:-5}",
            description = "Multipart part / block size in MiB; a backup keeps part size x (parallelism + 1) of S3 parts / Azure blocks in flight as files in --spool-dir (env ETCD_OPS_PART_SIZE_MIB; default ${DEFAULT-VALUE}: S3's minimum).")
    int partSizeMib;

    @Option(names = "--upload-parallelism", paramLabel = "N", defaultValue = "${env:ETCD_OPS_UPLOAD_PARALLELISM:-3}",
            description = "Parts uploaded at once (env ETCD_OPS_UPLOAD_PARALLELISM; default ${DEFAULT-VALUE}).")
    int parallelism;

    /** These options as command-line arguments, to hand the same store to another process (a restore pod). */
    public java.util.List<String> toArgs() {
        java.util.List<String> a = new java.util.ArrayList<>();
        addIf(a, "--store", store);
        addIf(a, "--s3-endpoint", s3Endpoint);
        if (s3PathStyle) {
            a.add("--s3-path-style");
        }
        addIf(a, "--s3-region", s3Region);
        addIf(a, "--gcs-endpoint", gcsEndpoint);
        addIf(a, "--azure-endpoint", azureEndpoint);
        return a;
    }

    private static void addIf(java.util.List<String> a, String flag, String value) {
        if (value != null && !value.isBlank()) {
            a.add(flag);
            a.add(value.trim());
        }
    }

    public StoreLocation location() {
        return StoreLocation.parse(store);
    }

    public StoreOptions options() {
        String sse = s3Sse == null ? "none" : s3Sse.trim().toLowerCase(java.util.Locale.ROOT);
        if (!sse.equals("none") && !sse.equals("s3") && !sse.equals("kms")) {
            throw io.etcdops.core.runtime.JobException.usage("--s3-sse must be none, s3 or kms, not '" + s3Sse + "'");
        }
        if (partSizeMib < 5 || partSizeMib > 1024) {
            throw io.etcdops.core.runtime.JobException.usage("--part-size-mib must be between 5 and 1024");
        }
        if (parallelism < 1 || parallelism > 32) {
            throw io.etcdops.core.runtime.JobException.usage("--upload-parallelism must be between 1 and 32");
        }
        StoreOptions d = StoreOptions.defaults();
        return new StoreOptions(blank(s3Endpoint), s3PathStyle, blank(s3Region), sse, blank(s3SseKmsKeyId), blank(gcsEndpoint),
                blank(azureEndpoint), partSizeMib * 1024 * 1024, parallelism, d.maxAttempts(), d.requestTimeout(), null);
    }

    public SnapshotStore open() throws java.io.IOException {
        return SnapshotStores.open(location(), options());
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
