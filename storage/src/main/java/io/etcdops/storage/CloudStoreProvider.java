package io.etcdops.storage;

import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.SnapshotStoreProvider;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;

/**
 * The cloud stores, found by {@link io.etcdops.core.store.SnapshotStores} through ServiceLoader. Each builds its
 * real SDK client from the location and options; credentials come from each SDK's default chain.
 */
public final class CloudStoreProvider implements SnapshotStoreProvider {

    @Override
    public boolean supports(String scheme) {
        return switch (scheme) {
            case "s3", "gs", "azblob" -> true;
            default -> false;
        };
    }

    @Override
    public SnapshotStore open(StoreLocation location, StoreOptions options) {
        return switch (location.scheme()) {
            case "s3" -> S3SnapshotStore.connect(location, options);
            case "gs" -> GcsSnapshotStore.connect(location, options);
            case "azblob" -> AzureBlobSnapshotStore.connect(location, options);
            default -> throw new IllegalArgumentException("not a cloud store scheme: " + location.scheme());
        };
    }
}
