package io.etcdops.core.store;

import java.io.IOException;

/**
 * A store implementation for one or more URI schemes, found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.etcdops.core.store.SnapshotStoreProvider}). Only {@link SnapshotStores} uses it.
 */
public interface SnapshotStoreProvider {

    /** True if this provider serves the location's scheme ("file", "s3", "gs", "azblob"). */
    boolean supports(String scheme);

    /** Builds the real SDK client from the location and options. */
    SnapshotStore open(StoreLocation location, StoreOptions options) throws IOException;
}
