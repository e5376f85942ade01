package io.etcdops.storage;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import io.etcdops.core.store.IncompleteUpload;
import io.etcdops.core.store.NoSuchObjectException;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.core.store.StoredObject;
import io.etcdops.core.store.Upload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code azblob://account/container/prefix} (or the https blob URL) through azure-storage-blob with the JDK HTTP
 * client. Objects are block blobs written by {@link AzureBlockUpload}.
 *
 * <p>{@link #listIncomplete(String)} is always empty: an aborted or crashed upload leaves only uncommitted blocks,
 * which are invisible and which Azure deletes by itself after 7 days.
 */
public final class AzureBlobSnapshotStore implements SnapshotStore {

    private final StoreLocation location;
    private final StoreOptions options;
    private final BlobContainerClient container;
    private final String where;

    /** Uses a client built elsewhere (tests, Azurite); also what {@link #connect} ends in. */
    public AzureBlobSnapshotStore(StoreLocation location, StoreOptions options, BlobContainerClient container) {
        this.location = location;
        this.options = options;
        this.container = container;
        this.where = "azblob://" + location.account() + "/" + location.bucket();
    }

    /** Builds the real client; credentials from the environment, see {@link AzureClients#container}. */
    public static AzureBlobSnapshotStore connect(StoreLocation location, StoreOptions options) {
        return new AzureBlobSnapshotStore(location, options, AzureClients.container(location, options, System.getenv()));
    }

    @Override
    public URI uri() {
        return location.uri();
    }

    @Override
    public Upload begin(String key) {
        return new AzureBlockUpload(blob(key).getBlockBlobClient(), where, location.bucket(), key,
                options.partSizeBytes(), options.parallelism(), options.partBufferDir());
    }

    /** The stream is pinned to the blob's ETag at open, so an overwrite while reading fails instead of mixing. */
    @Override
    public InputStream open(String key) throws IOException {
        try {
            return blob(key).openInputStream();
        } catch (RuntimeException e) {
            IOException mapped = map(e, "read of '" + key + "'");
            if (mapped instanceof NoSuchObjectException) {
                throw new NoSuchObjectException("no object '" + key + "' in " + location.uri());
            }
            throw mapped;
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) throws IOException {
        List<StoredObject> objects = new ArrayList<>();
        try {
            ListBlobsOptions underPrefix = new ListBlobsOptions().setPrefix(location.objectName(keyPrefix));
            for (BlobItem item : container.listBlobs(underPrefix, null)) {
                if (!item.getName().endsWith("/") && !Boolean.TRUE.equals(item.isPrefix())) {
                    Long size = item.getProperties().getContentLength();
                    Instant modified = item.getProperties().getLastModified() == null
                            ? Instant.EPOCH : item.getProperties().getLastModified().toInstant();
                    objects.add(new StoredObject(location.keyOf(item.getName()), size == null ? 0 : size, modified));
                }
            }
        } catch (RuntimeException e) {
            throw map(e, "list");
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            blob(key).deleteIfExists();
        } catch (RuntimeException e) {
            throw map(e, "delete of '" + key + "'");
        }
    }

    @Override
    public List<IncompleteUpload> listIncomplete(String keyPrefix) {
        return List.of();
    }

    @Override
    public void discard(IncompleteUpload upload) {
        // nothing to discard: see the class comment
    }

    /**
     * Lists at most one blob: needs only the list right (a SAS or role scoped to blobs has it, a container
     * properties read may not), and a missing container answers ContainerNotFound.
     */
    @Override
    public void checkAccess() throws IOException {
        try {
            container.listBlobs(new ListBlobsOptions().setMaxResultsPerPage(1).setPrefix(location.objectName("")), null)
                    .iterableByPage().iterator().next();
        } catch (RuntimeException e) {
            throw map(e, "access check");
        }
    }

    private BlobClient blob(String key) {
        return container.getBlobClient(location.objectName(key));
    }

    private IOException map(RuntimeException e, String action) {
        return AzureClients.map(e, where, location.bucket(), action);
    }
}
