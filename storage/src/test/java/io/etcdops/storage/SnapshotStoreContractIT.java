package io.etcdops.storage;

import com.azure.storage.blob.models.BlockListType;
import io.etcdops.core.store.IncompleteUpload;
import io.etcdops.core.store.NoSuchObjectException;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStores;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.core.store.StoredObject;
import io.etcdops.core.store.Upload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link SnapshotStore} guarantees, checked once per provider against the real server where one runs here
 * (folder, S3Proxy, Azurite) and Google's in-memory fake for GCS. The provider is in every display name.
 */
class SnapshotStoreContractIT {

    static final int MIB = 1024 * 1024;
    /** Where the parts in flight wait, as in a backup (backup-job passes its spool directory). */
    static final Path PART_FILES = createPartFileDir();
    /** The smallest S3 part size, so a few MiB already take the multipart path. */
    static final StoreOptions OPTIONS = StoreOptions.defaults().withParts(5 * MIB, 3).withPartBufferDir(PART_FILES);

    private static Path createPartFileDir() {
        try {
            return Files.createTempDirectory("etcd-ops-contract-parts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void noPartFileIsLeftBehind() throws IOException {
        try (Stream<Path> files = Files.list(PART_FILES)) {
            assertThat(files).as("part files after the test").isEmpty();
        }
    }
    static final String PREFIX = "etcd/backups";

    static Stream<StoreFixture> allProviders() {
        return Stream.of(new StoreFixture.File(), new StoreFixture.S3(), new StoreFixture.Azure(), new StoreFixture.Gcs());
    }

    /** Providers that have buckets that can be missing (the GCS fake has not). */
    static Stream<StoreFixture> providersWithBuckets() {
        return Stream.of(new StoreFixture.File(), new StoreFixture.S3(), new StoreFixture.Azure());
    }

    @ParameterizedTest(name = "[{0}] put, list, get, delete round trip")
    @MethodSource("allProviders")
    void roundTrip(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            store.checkAccess();
            byte[] data = randomBytes(300_000, 1);
            put(store, "cluster-a/snap-1.db", data);

            List<StoredObject> listed = store.list("");
            assertThat(listed).extracting(StoredObject::key).containsExactly("cluster-a/snap-1.db");
            assertThat(listed.get(0).size()).isEqualTo(data.length);
            assertThat(listed.get(0).lastModified()).isNotNull();
            assertThat(read(store, "cluster-a/snap-1.db")).isEqualTo(data);

            store.delete("cluster-a/snap-1.db");
            assertThat(store.list("")).isEmpty();
            assertThatThrownBy(() -> read(store, "cluster-a/snap-1.db")).isInstanceOf(NoSuchObjectException.class);
        }
    }

    @ParameterizedTest(name = "[{0}] list is sorted by key and filtered by prefix; other prefixes are not seen")
    @MethodSource("allProviders")
    void listOrderingAndPrefix(StoreFixture fixture) throws Exception {
        String bucket = fixture.newBucket();
        try (SnapshotStore store = fixture.store(bucket, PREFIX, OPTIONS);
             SnapshotStore sibling = fixture.store(bucket, "etcd/backups-other", OPTIONS)) {
            for (String key : List.of("b/2.db", "a/10.db", "a/2.db", "ab/1.db", "a/1.db")) {
                put(store, key, key.getBytes(StandardCharsets.UTF_8));
            }
            put(sibling, "a/1.db", new byte[] {1});

            assertThat(store.list("")).extracting(StoredObject::key)
                    .containsExactly("a/1.db", "a/10.db", "a/2.db", "ab/1.db", "b/2.db");
            assertThat(store.list("a/")).extracting(StoredObject::key).containsExactly("a/1.db", "a/10.db", "a/2.db");
            assertThat(store.list("a")).extracting(StoredObject::key)
                    .containsExactly("a/1.db", "a/10.db", "a/2.db", "ab/1.db");
            assertThat(store.list("c/")).isEmpty();
            assertThat(sibling.list("")).extracting(StoredObject::key).containsExactly("a/1.db");
            assertThat(read(store, "ab/1.db")).isEqualTo("ab/1.db".getBytes(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest(name = "[{0}] nothing is visible before commit, even after several parts went up")
    @MethodSource("allProviders")
    void invisibleBeforeCommit(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            byte[] data = randomBytes(12 * MIB + 3, 2);
            try (Upload upload = store.begin("pending.db")) {
                upload.stream().write(data);
                upload.stream().close(); // closing the stream must not commit

                assertThat(store.list("")).isEmpty();
                assertThatThrownBy(() -> read(store, "pending.db")).isInstanceOf(NoSuchObjectException.class);

                upload.commit();
            }
            assertThat(store.list("")).extracting(StoredObject::key).containsExactly("pending.db");
            assertThat(sha256(store, "pending.db")).isEqualTo(sha256(data));
        }
    }

    @ParameterizedTest(name = "[{0}] abort (and close without commit) leaves nothing behind")
    @MethodSource("allProviders")
    void abortLeavesNothing(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            Upload multipart = store.begin("big.db");
            multipart.stream().write(randomBytes(12 * MIB, 3));
            multipart.abort();
            multipart.abort(); // idempotent

            try (Upload small = store.begin("small.db")) {
                small.stream().write(new byte[] {1, 2, 3});
            } // close() without commit aborts

            assertThat(store.list("")).isEmpty();
            assertThat(store.listIncomplete("")).isEmpty();
            assertThatThrownBy(() -> multipart.stream().write(1)).isInstanceOf(IOException.class);
            assertThatThrownBy(multipart::commit).isInstanceOf(IOException.class);
            if (fixture instanceof StoreFixture.S3 s3) {
                String bucket = store.uri().getAuthority();
                assertThat(s3.rawClient().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "[{0}] a 40 MiB object goes up in parts (5 MiB, 3 at a time) and reads back equal")
    @MethodSource("allProviders")
    void largeObject(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            MessageDigest written = MessageDigest.getInstance("SHA-256");
            Random random = new Random(4);
            byte[] chunk = new byte[MIB + 7]; // odd size: writes straddle part boundaries
            long size = 40L * MIB;
            try (Upload upload = store.begin("cluster/large.db")) {
                for (long left = size; left > 0; ) {
                    int n = (int) Math.min(chunk.length, left);
                    random.nextBytes(chunk);
                    upload.stream().write(chunk, 0, n);
                    written.update(chunk, 0, n);
                    left -= n;
                }
                upload.commit();
            }
            assertThat(store.list("cluster/")).singleElement().extracting(StoredObject::size).isEqualTo(size);
            assertThat(sha256(store, "cluster/large.db")).isEqualTo(HexFormat.of().formatHex(written.digest()));
            assertWentUpInParts(fixture, store, "cluster/large.db", 8);
        }
    }

    @ParameterizedTest(name = "[{0}] delete is idempotent")
    @MethodSource("allProviders")
    void deleteIsIdempotent(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            put(store, "x.db", new byte[] {42});
            store.delete("x.db");
            store.delete("x.db");
            store.delete("never-written.db");
            assertThat(store.list("")).isEmpty();
        }
    }

    @ParameterizedTest(name = "[{0}] open of a missing key throws NoSuchObjectException")
    @MethodSource("allProviders")
    void openMissing(StoreFixture fixture) throws Exception {
        try (SnapshotStore store = fixture.store(fixture.newBucket(), PREFIX, OPTIONS)) {
            assertThatThrownBy(() -> read(store, "no/such.db")).isInstanceOf(NoSuchObjectException.class);
        }
    }

    @ParameterizedTest(name = "[{0}] a missing bucket / container / folder is a StoreAccessException naming it")
    @MethodSource("providersWithBuckets")
    void missingBucket(StoreFixture fixture) throws Exception {
        String missing = fixture.missingBucket();
        try (SnapshotStore store = fixture.store(missing, PREFIX, OPTIONS)) {
            String name = missing.substring(missing.lastIndexOf('/') + 1);
            assertThatThrownBy(store::checkAccess).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining(name).message().doesNotContain("\n");
            assertThatThrownBy(() -> store.list("")).isInstanceOf(StoreAccessException.class).hasMessageContaining(name);
            assertThatThrownBy(() -> put(store, "x.db", new byte[] {1})).isInstanceOf(StoreAccessException.class);
        }
    }

    static Stream<StoreFixture> providersWithCredentials() {
        return Stream.of(new StoreFixture.S3(), new StoreFixture.Azure());
    }

    @ParameterizedTest(name = "[{0}] wrong credentials are a StoreAccessException that names the credentials")
    @MethodSource("providersWithCredentials")
    void wrongCredentials(StoreFixture fixture) throws Exception {
        String bucket = fixture.newBucket();
        SnapshotStore store = fixture instanceof StoreFixture.S3 s3
                ? s3.store(bucket, PREFIX, OPTIONS, "wrong-secret")
                : ((StoreFixture.Azure) fixture).store(bucket, PREFIX, OPTIONS, WRONG_AZURE_KEY);
        try (store) {
            assertThatThrownBy(store::checkAccess).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining("access denied").hasMessageContaining("credentials")
                    .message().doesNotContain("\n");
            assertThatThrownBy(() -> store.list("")).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining("access denied");
            assertThatThrownBy(() -> put(store, "x.db", randomBytes(6 * MIB, 5))).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining("access denied");
        }
        try (SnapshotStore right = fixture.store(bucket, PREFIX, OPTIONS)) {
            assertThat(right.list("")).isEmpty();
            assertThat(right.listIncomplete("")).isEmpty();
        }
    }

    @Test
    @DisplayName("[S3 (S3Proxy 4.1.0)] server stopped mid-upload: IOException; after restart no object, and the "
            + "multipart upload the abort could not reach is listed as incomplete and discarded")
    void s3ServerStoppedMidUpload() throws Exception {
        StoreFixture.S3 fixture = new StoreFixture.S3();
        String bucket = fixture.newBucket();
        StoreOptions fewRetries = new StoreOptions(null, false, null, "none", null, null, null,
                5 * MIB, 2, 2, Duration.ofSeconds(20), PART_FILES);
        byte[] part = randomBytes(5 * MIB, 6);
        try (S3SnapshotStore store = fixture.store(bucket, PREFIX, fewRetries)) {
            try {
                try (Upload upload = store.begin("outage.db")) {
                    upload.stream().write(part);
                    upload.stream().write(part); // the multipart upload exists and part 1 is on its way
                    fixture.server.stop();
                    assertThatThrownBy(() -> {
                        for (int i = 0; i < 10; i++) {
                            upload.stream().write(part);
                        }
                        upload.commit();
                    }).isInstanceOf(IOException.class).hasMessageContaining("s3://" + bucket);
                } // close() aborts, while the server is still down
            } finally {
                fixture.server.start();
            }

            assertThat(store.list("")).isEmpty();
            List<IncompleteUpload> left = store.listIncomplete("");
            assertThat(left).extracting(IncompleteUpload::key).containsExactly("outage.db");
            store.discard(left.get(0));
            assertThat(store.listIncomplete("")).isEmpty();
            assertThat(fixture.rawClient().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
            assertThat(store.list("")).isEmpty();
        } finally {
            fixture.server.start();
        }
    }

    @Test
    @DisplayName("[S3 (S3Proxy 4.1.0)] SnapshotStores.open finds the provider and connect() builds a working client "
            + "from the SDK's default credential chain")
    void s3ThroughSnapshotStoresAndTheDefaultCredentialChain() throws Exception {
        StoreFixture.S3 fixture = new StoreFixture.S3();
        String bucket = fixture.newBucket();
        // system properties are one link of the default chain, like AWS_ACCESS_KEY_ID in a pod
        System.setProperty("aws.accessKeyId", fixture.server.accessKey());
        System.setProperty("aws.secretAccessKey", fixture.server.secretKey());
        try (SnapshotStore store = SnapshotStores.open("s3://" + bucket + "/" + PREFIX,
                OPTIONS.withS3(fixture.server.endpoint().toString(), true, null))) {
            store.checkAccess();
            put(store, "via-chain.db", new byte[] {7, 8});
            assertThat(read(store, "via-chain.db")).containsExactly(7, 8);
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    @Test
    @DisplayName("[Azure Blob (Azurite 3.35)] credentials and endpoint from AZURE_STORAGE_CONNECTION_STRING")
    void azureWithAConnectionString() throws Exception {
        StoreFixture.Azure fixture = new StoreFixture.Azure();
        String container = fixture.newBucket();
        StoreLocation location = StoreLocation.parse("azblob://" + fixture.server.accountName() + "/" + container + "/" + PREFIX);
        Map<String, String> env = Map.of(AzureClients.CONNECTION_STRING_ENV, fixture.server.connectionString());
        try (SnapshotStore store = new AzureBlobSnapshotStore(location, OPTIONS, AzureClients.container(location, OPTIONS, env))) {
            store.checkAccess();
            put(store, "via-connection-string.db", new byte[] {9});
            assertThat(store.list("")).extracting(StoredObject::key).containsExactly("via-connection-string.db");
        }
    }

    @Test
    @DisplayName("[S3 (S3Proxy 4.1.0)] --s3-sse kms: PutObject and CreateMultipartUpload ask for SSE-KMS with the key")
    void s3ServerSideEncryptionHeaders() throws Exception {
        StoreFixture.S3 fixture = new StoreFixture.S3();
        String bucket = fixture.newBucket();
        List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                sent.add(context.httpRequest());
            }
        };
        S3Client client = S3Client.builder().endpointOverride(fixture.server.endpoint()).forcePathStyle(true)
                .region(Region.US_EAST_1).overrideConfiguration(o -> o.addExecutionInterceptor(recorder))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(fixture.server.accessKey(), fixture.server.secretKey())))
                .build();
        StoreOptions kms = OPTIONS.withSse("kms", "alias/etcd-backups");
        try (S3SnapshotStore store = new S3SnapshotStore(StoreLocation.parse("s3://" + bucket + "/" + PREFIX), kms, client)) {
            // S3Proxy has no KMS and may refuse the request: only what was sent is checked here
            for (int size : new int[] {10, 6 * MIB}) {
                try {
                    put(store, "sse-" + size + ".db", randomBytes(size, size));
                } catch (IOException refusedByS3Proxy) {
                    // the headers were sent all the same
                }
            }
        }
        List<SdkHttpRequest> creating = sent.stream()
                .filter(r -> r.method() == SdkHttpMethod.POST && r.rawQueryParameters().containsKey("uploads")
                        || r.method() == SdkHttpMethod.PUT && !r.rawQueryParameters().containsKey("partNumber"))
                .toList();
        assertThat(creating).hasSize(2).allSatisfy(r -> {
            assertThat(r.firstMatchingHeader("x-amz-server-side-encryption")).hasValue("aws:kms");
            assertThat(r.firstMatchingHeader("x-amz-server-side-encryption-aws-kms-key-id")).hasValue("alias/etcd-backups");
        });
        client.close();
    }

    /** A well-formed key that is not the account's. */
    static final String WRONG_AZURE_KEY = java.util.Base64.getEncoder().encodeToString(new byte[64]);

    /** The multipart path really ran: S3's multipart ETag ends in "-parts", Azure lists the committed blocks. */
    private static void assertWentUpInParts(StoreFixture fixture, SnapshotStore store, String key, int parts) {
        String bucketOrContainer = fixture instanceof StoreFixture.Azure
                ? store.uri().getPath().split("/")[1] : store.uri().getAuthority();
        if (fixture instanceof StoreFixture.S3 s3) {
            String etag = s3.rawClient().headObject(b -> b.bucket(bucketOrContainer).key(PREFIX + "/" + key)).eTag();
            assertThat(etag).endsWith("-" + parts + "\"");
        } else if (fixture instanceof StoreFixture.Azure azure) {
            var blob = azure.container(bucketOrContainer, azure.server.accountKey())
                    .getBlobClient(PREFIX + "/" + key).getBlockBlobClient();
            assertThat(blob.listBlocks(BlockListType.COMMITTED).getCommittedBlocks()).hasSize(parts);
        }
    }

    static void put(SnapshotStore store, String key, byte[] data) throws IOException {
        try (Upload upload = store.begin(key)) {
            OutputStream out = upload.stream();
            out.write(data);
            upload.commit();
        }
    }

    static byte[] read(SnapshotStore store, String key) throws IOException {
        try (InputStream in = store.open(key)) {
            return in.readAllBytes();
        }
    }

    static String sha256(SnapshotStore store, String key) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = store.open(key)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
