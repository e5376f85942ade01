package io.etcdops.core.store;

import io.etcdops.core.runtime.JobException;

import java.io.IOException;
import java.util.ServiceLoader;

/**
 * The one place that maps a {@code --store} URI scheme to a provider. {@code file://} is built in; {@code s3://},
 * {@code gs://} and {@code azblob://} come from the {@code storage} module when it is on the classpath.
 */
public final class SnapshotStores {

    private SnapshotStores() {
    }

    public static SnapshotStore open(String uri, StoreOptions options) throws IOException {
        return open(StoreLocation.parse(uri), options);
    }

    public static SnapshotStore open(StoreLocation location, StoreOptions options) throws IOException {
        if ("file".equals(location.scheme())) {
            return new FileSnapshotStore(location);
        }
        for (SnapshotStoreProvider provider : ServiceLoader.load(SnapshotStoreProvider.class)) {
            if (provider.supports(location.scheme())) {
                return provider.open(location, options);
            }
        }
        throw JobException.usage("--store " + location.uri() + ": no provider for '" + location.scheme()
                + "://' on the classpath (the storage module provides s3, gs and azblob)");
    }
}
