package io.etcdops.storage;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStores;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The ServiceLoader registration and the client factories; building a client talks to no server. */
class CloudStoreProviderTest {

    @Test
    void eachCloudSchemeOpensItsStoreThroughSnapshotStores() throws Exception {
        StoreOptions options = StoreOptions.defaults().withS3("http://127.0.0.1:9", true, "eu-west-1");
        try (SnapshotStore s3 = SnapshotStores.open("s3://bucket/etcd", options);
             SnapshotStore azure = SnapshotStores.open("azblob://account/container/etcd", options);
             SnapshotStore azureHttps = SnapshotStores.open("https://account.blob.core.windows.net/container", options)) {
            assertThat(s3).isInstanceOf(S3SnapshotStore.class);
            assertThat(s3.uri().toString()).isEqualTo("s3://bucket/etcd");
            assertThat(azure).isInstanceOf(AzureBlobSnapshotStore.class);
            assertThat(azureHttps).isInstanceOf(AzureBlobSnapshotStore.class);
        }
    }

    @Test
    void gsOpensAGcsStoreAndAPlainHttpEndpointSendsNoCredentials() throws Exception {
        StoreOptions d = StoreOptions.defaults();
        StoreOptions emulator = new StoreOptions(null, false, null, "none", null, "http://127.0.0.1:9", null,
                d.partSizeBytes(), d.parallelism(), d.maxAttempts(), d.requestTimeout(), null);
        try (SnapshotStore gcs = SnapshotStores.open("gs://bucket/etcd", emulator)) {
            assertThat(gcs).isInstanceOf(GcsSnapshotStore.class);
            assertThat(gcs.uri().toString()).isEqualTo("gs://bucket/etcd");
        }
    }

    @Test
    void aPlainHttpAzureEndpointWithoutAKeyIsAUsageError() {
        StoreLocation location = StoreLocation.parse("azblob://devstoreaccount1/container");
        StoreOptions options = StoreOptions.defaults().withAzureEndpoint("http://127.0.0.1:9/devstoreaccount1");
        JobException e = catchThrowableOfType(JobException.class, () -> AzureClients.container(location, options, Map.of()));
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(e.getMessage()).contains("AZURE_STORAGE_KEY").contains("plain http");
    }

    @Test
    void theProviderServesOnlyTheCloudSchemes() {
        CloudStoreProvider provider = new CloudStoreProvider();
        assertThat(provider.supports("s3")).isTrue();
        assertThat(provider.supports("gs")).isTrue();
        assertThat(provider.supports("azblob")).isTrue();
        assertThat(provider.supports("file")).isFalse();
        assertThat(provider.supports("https")).isFalse(); // StoreLocation turns Azure https URLs into azblob
    }

    @Test
    void anExplicitRegionWins() {
        StoreLocation location = StoreLocation.parse("s3://bucket");
        StoreOptions options = StoreOptions.defaults().withS3("http://127.0.0.1:9", true, "eu-central-1");
        assertThat(S3Clients.region(location, options)).isEqualTo(Region.EU_CENTRAL_1);
    }

    @Test
    void aCustomEndpointWithoutRegionFallsBackToUsEast1() {
        assumeTrue(System.getenv("AWS_REGION") == null && System.getProperty("aws.region") == null,
                "AWS_REGION is set in this environment");
        StoreLocation location = StoreLocation.parse("s3://bucket");
        StoreOptions options = StoreOptions.defaults().withS3("http://127.0.0.1:9", true, null);
        assertThat(S3Clients.region(location, options)).isEqualTo(Region.US_EAST_1);
    }
}
