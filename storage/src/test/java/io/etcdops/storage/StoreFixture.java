package io.etcdops.storage;

import com.azure.storage.blob.BlobContainerClient;
import com.google.api.services.storage.model.StorageObject;
import com.google.cloud.Tuple;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.spi.StorageRpcFactory;
import com.google.cloud.storage.spi.v1.StorageRpc;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.etcdops.core.store.FileSnapshotStore;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.testkit.objectstore.AzuriteServer;
import io.etcdops.testkit.objectstore.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One provider under the store contract test: makes fresh buckets (folders, containers) and stores on them, through
 * the same client factories production uses wherever a real server runs here.
 */
abstract class StoreFixture {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String displayName;

    StoreFixture(String displayName) {
        this.displayName = displayName;
    }

    /** Creates a new, empty bucket and returns its name (for file://, a folder path). */
    abstract String newBucket() throws IOException;

    /** A bucket name that does not exist. */
    abstract String missingBucket() throws IOException;

    /** A store on {@code bucket} at {@code prefix}. */
    abstract SnapshotStore store(String bucket, String prefix, StoreOptions options);

    @Override
    public String toString() {
        return displayName;
    }

    static String uniqueName(String base) {
        return base + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    static final class File extends StoreFixture {
        /** One temp folder per JVM for all file:// "buckets", deleted at exit. */
        private static final Path ROOT = createRoot();

        File() {
            super("file://");
        }

        @Override
        String newBucket() throws IOException {
            return Files.createTempDirectory(ROOT, "bucket").toString();
        }

        /** A folder that cannot be created: its parent is a regular file. */
        @Override
        String missingBucket() throws IOException {
            Path file = Files.createTempFile(ROOT, "not-a-folder", "");
            return file.resolve("backups").toString();
        }

        private static Path createRoot() {
            try {
                Path root = Files.createTempDirectory("etcd-ops-store-it");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try (Stream<Path> paths = Files.walk(root)) {
                        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    } catch (IOException | UncheckedIOException ignored) {
                        // best effort at exit
                    }
                }));
                return root;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        SnapshotStore store(String bucket, String prefix, StoreOptions options) {
            return new FileSnapshotStore(StoreLocation.parse("file://" + bucket + "/" + prefix));
        }
    }

    static final class S3 extends StoreFixture {
        final S3ProxyServer server = S3ProxyServer.shared();

        S3() {
            super("S3 (S3Proxy " + "4.1.0)");
        }

        @Override
        String newBucket() {
            String bucket = uniqueName("contract");
            server.createBucket(bucket);
            return bucket;
        }

        @Override
        String missingBucket() {
            return uniqueName("missing");
        }

        @Override
        S3SnapshotStore store(String bucket, String prefix, StoreOptions options) {
            return store(bucket, prefix, options, server.secretKey());
        }

        S3SnapshotStore store(String bucket, String prefix, StoreOptions options, String secretKey) {
            StoreLocation location = StoreLocation.parse("s3://" + bucket + "/" + prefix);
            StoreOptions s3 = options.withS3(server.endpoint().toString(), true, null);
            return new S3SnapshotStore(location, s3, client(location, s3, secretKey));
        }

        S3Client client(StoreLocation location, StoreOptions options, String secretKey) {
            return S3Clients.build(location, options,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(server.accessKey(), secretKey)));
        }

        S3Client rawClient() {
            StoreLocation location = StoreLocation.parse("s3://any");
            return client(location, StoreOptions.defaults().withS3(server.endpoint().toString(), true, null), server.secretKey());
        }
    }

    static final class Azure extends StoreFixture {
        final AzuriteServer server = AzuriteServer.shared();

        Azure() {
            super("Azure Blob (Azurite 3.35)");
        }

        @Override
        String newBucket() {
            String container = uniqueName("contract");
            container(container, server.accountKey()).create();
            return container;
        }

        @Override
        String missingBucket() {
            return uniqueName("missing");
        }

        @Override
        AzureBlobSnapshotStore store(String bucket, String prefix, StoreOptions options) {
            return store(bucket, prefix, options, server.accountKey());
        }

        AzureBlobSnapshotStore store(String bucket, String prefix, StoreOptions options, String accountKey) {
            StoreLocation location = location(bucket, prefix);
            StoreOptions azure = options.withAzureEndpoint(server.endpoint());
            return new AzureBlobSnapshotStore(location, azure,
                    AzureClients.container(location, azure, Map.of(AzureClients.ACCOUNT_KEY_ENV, accountKey)));
        }

        /** Built through the production factory with the shared key, as AZURE_STORAGE_KEY would give it. */
        BlobContainerClient container(String container, String accountKey) {
            StoreOptions options = StoreOptions.defaults().withAzureEndpoint(server.endpoint());
            return AzureClients.container(location(container, ""), options, Map.of(AzureClients.ACCOUNT_KEY_ENV, accountKey));
        }

        private StoreLocation location(String container, String prefix) {
            return StoreLocation.parse("azblob://" + server.accountName() + "/" + container + "/" + prefix);
        }
    }

    /**
     * No GCS server can run on this machine; this is Google's own in-memory fake (google-cloud-nio's
     * LocalStorageHelper) behind the real google-cloud-storage client. It has no notion of missing buckets or
     * credentials, so those cases run against S3 and Azure only.
     */
    static final class Gcs extends StoreFixture {
        private final Storage storage = withGcsUploadVisibility(LocalStorageHelper.customOptions(false)).getService();

        Gcs() {
            super("GCS (Google's in-memory fake, no real server here)");
        }

        @Override
        String newBucket() {
            return uniqueName("contract");
        }

        @Override
        String missingBucket() {
            throw new UnsupportedOperationException("the GCS fake has no missing buckets");
        }

        @Override
        SnapshotStore store(String bucket, String prefix, StoreOptions options) {
            return new GcsSnapshotStore(StoreLocation.parse("gs://" + bucket + "/" + prefix), options, storage);
        }
    }

    /**
     * The fake records an object's metadata when a resumable upload session is opened, so a half-written object is
     * listed (with no size) before the upload is finished. Real GCS creates the object only when the final chunk
     * arrives ("until the upload is completed, the object isn't visible"), which {@link GcsSnapshotStore} relies
     * on. This wrapper gives the fake that visibility: objects whose content was never finalised (the fake reports
     * no size for them) are left out of list and get. Everything else goes to the fake unchanged.
     */
    static StorageOptions withGcsUploadVisibility(StorageOptions fake) {
        StorageRpc rpc = (StorageRpc) fake.getRpc();
        InvocationHandler handler = (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(rpc, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (method.getName().equals("list") && result instanceof Tuple<?, ?> page) {
                List<StorageObject> finalised = new ArrayList<>();
                for (Object o : (Iterable<?>) page.y()) {
                    if (((StorageObject) o).getSize() != null) {
                        finalised.add((StorageObject) o);
                    }
                }
                return Tuple.of(page.x(), finalised);
            }
            if (method.getName().equals("get") && result instanceof StorageObject object && object.getSize() == null) {
                return null;
            }
            return result;
        };
        StorageRpc visible = (StorageRpc) Proxy.newProxyInstance(StorageRpc.class.getClassLoader(),
                new Class<?>[] {StorageRpc.class}, handler);
        return fake.toBuilder().setServiceRpcFactory((StorageRpcFactory) options -> visible).build();
    }
}
