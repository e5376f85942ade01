package io.etcdops.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;

/**
 * A place where snapshots and their manifests are kept: a folder, an S3 / GCS bucket prefix, an Azure container
 * prefix. Keys are '/'-separated paths relative to the store's prefix (never starting with '/').
 *
 * <p>Guarantees every provider keeps (checked by the store contract test):
 * <ul>
 *   <li>Streams only: objects are written through {@link Upload#stream()} and read through {@link #open(String)};
 *       no method holds a whole object in memory.</li>
 *   <li>An object becomes visible to {@link #list(String)} and {@link #open(String)} only after
 *       {@link Upload#commit()} returns; {@link Upload#abort()} (or a failed commit) leaves nothing behind.</li>
 *   <li>{@link #list(String)} returns the committed objects whose key starts with the given prefix, sorted by key
 *       ascending (Java {@code String} order, which for our ASCII keys is byte order).</li>
 *   <li>{@link #delete(String)} is idempotent: deleting a missing key is not an error.</li>
 *   <li>{@link #open(String)} on a missing key throws {@link NoSuchObjectException}.</li>
 * </ul>
 * Jobs receive a store from {@link SnapshotStores}; they never choose a provider themselves.
 */
public interface SnapshotStore extends AutoCloseable {

    /** The store's location as the user wrote it (normalised), for reports and logs. */
    URI uri();

    /** Starts writing {@code key}. Nothing is visible until {@link Upload#commit()}. */
    Upload begin(String key) throws IOException;

    /** Opens a committed object for reading. */
    InputStream open(String key) throws IOException;

    /** Committed objects under {@code keyPrefix} ("" for all), sorted by key ascending. */
    List<StoredObject> list(String keyPrefix) throws IOException;

    /** Deletes one object; missing objects are ignored. */
    void delete(String key) throws IOException;

    /**
     * Uploads that were started and never committed nor aborted (S3 multipart uploads, Azure uncommitted blocks,
     * partial temp files), so retention can clean those older than a day. Providers without such a notion return
     * an empty list.
     */
    List<IncompleteUpload> listIncomplete(String keyPrefix) throws IOException;

    /** Discards one incomplete upload found by {@link #listIncomplete(String)}. */
    void discard(IncompleteUpload upload) throws IOException;

    /**
     * Checks that the bucket / container / folder exists and is reachable with the configured credentials, for a job
     * that writes (a file:// folder is created if missing and must be writable).
     */
    void checkAccess() throws IOException;

    /**
     * The same check for a job that only reads (list, verify, fetch, restore): it never writes, so a read-only mount or
     * read-only credentials pass. The cloud stores' checks already only read.
     */
    default void checkReadAccess() throws IOException {
        checkAccess();
    }

    @Override
    default void close() throws IOException {
    }
}
