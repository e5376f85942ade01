package io.etcdops.storage;

import com.google.cloud.NoCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.ServiceOptions;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
import io.etcdops.core.store.IncompleteUpload;
import io.etcdops.core.store.NoSuchObjectException;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.core.store.StoredObject;
import io.etcdops.core.store.Upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code gs://bucket/prefix} through google-cloud-storage (JSON API over HTTP).
 *
 * <p>Uploads use one resumable upload session per object ({@code storage.writer}), sent in chunks of the part size.
 * GCS creates the object only when the session is finalised by the last chunk, which the writer sends on
 * {@code close()} — so {@link Upload#commit()} is that close, and {@link Upload#abort()} simply never sends it:
 * the object never appears and GCS expires the unfinished session after a week. No temporary objects are needed,
 * which is why {@link #listIncomplete(String)} is always empty (sessions cannot be listed). A resumable upload is
 * sequential, so the parallelism option does not apply here.
 *
 * <p>Credentials: Application Default Credentials (Workload Identity, GOOGLE_APPLICATION_CREDENTIALS). With a
 * plain-http {@code --gcs-endpoint} (an emulator) no credentials are sent.
 */
public final class GcsSnapshotStore implements SnapshotStore {

    /** Resumable chunks must be a multiple of 256 KiB. */
    private static final int CHUNK_UNIT = 256 * 1024;

    private final StoreLocation location;
    private final StoreOptions options;
    private final Storage storage;
    private final boolean ownsClient;

    /** Uses a client built elsewhere (tests pass Google's in-memory fake); {@link #close()} leaves it open. */
    public GcsSnapshotStore(StoreLocation location, StoreOptions options, Storage storage) {
        this(location, options, storage, false);
    }

    private GcsSnapshotStore(StoreLocation location, StoreOptions options, Storage storage, boolean ownsClient) {
        this.location = location;
        this.options = options;
        this.storage = storage;
        this.ownsClient = ownsClient;
    }

    /** Builds the real client: Application Default Credentials, the endpoint override, retries and timeouts. */
    public static GcsSnapshotStore connect(StoreLocation location, StoreOptions options) {
        int timeoutMs = (int) options.requestTimeout().toMillis();
        StorageOptions.Builder builder = StorageOptions.http()
                .setTransportOptions(HttpTransportOptions.newBuilder()
                        .setConnectTimeout((int) S3Clients.CONNECT_TIMEOUT.toMillis()).setReadTimeout(timeoutMs).build())
                .setRetrySettings(ServiceOptions.getDefaultRetrySettings().toBuilder()
                        .setMaxAttempts(Math.max(1, options.maxAttempts())).build());
        String endpoint = options.gcsEndpoint();
        if (endpoint != null) {
            builder.setHost(endpoint);
            if (endpoint.startsWith("http://")) {
                builder.setCredentials(NoCredentials.getInstance());
            }
        }
        return new GcsSnapshotStore(location, options, builder.build().getService(), true);
    }

    @Override
    public URI uri() {
        return location.uri();
    }

    @Override
    public Upload begin(String key) throws IOException {
        BlobInfo blob = BlobInfo.newBuilder(BlobId.of(bucket(), location.objectName(key)))
                .setContentType("application/octet-stream").build();
        try {
            WriteChannel writer = storage.writer(blob);
            writer.setChunkSize(Math.max(CHUNK_UNIT, options.partSizeBytes() / CHUNK_UNIT * CHUNK_UNIT));
            return new GcsUpload(writer, key);
        } catch (StorageException e) {
            throw map(e, "upload of '" + key + "'");
        }
    }

    /** Reads the generation found at open, so a concurrent overwrite cannot mix two versions in one stream. */
    @Override
    public InputStream open(String key) throws IOException {
        try {
            Blob blob = storage.get(BlobId.of(bucket(), location.objectName(key)));
            if (blob == null) {
                throw new NoSuchObjectException("no object '" + key + "' in " + location.uri());
            }
            ReadChannel reader = storage.reader(BlobId.of(bucket(), blob.getName(), blob.getGeneration()));
            reader.setChunkSize(Math.max(CHUNK_UNIT, Math.min(options.partSizeBytes(), 8 * 1024 * 1024)));
            return Channels.newInputStream(reader);
        } catch (StorageException e) {
            throw map(e, "read of '" + key + "'");
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) throws IOException {
        List<StoredObject> objects = new ArrayList<>();
        try {
            Storage.BlobListOption underPrefix = Storage.BlobListOption.prefix(location.objectName(keyPrefix));
            for (Blob blob : storage.list(bucket(), underPrefix).iterateAll()) {
                if (!blob.getName().endsWith("/")) {
                    OffsetDateTime updated = blob.getUpdateTimeOffsetDateTime();
                    objects.add(new StoredObject(location.keyOf(blob.getName()), blob.getSize() == null ? 0 : blob.getSize(),
                            updated == null ? Instant.EPOCH : updated.toInstant()));
                }
            }
        } catch (StorageException e) {
            throw map(e, "list");
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            storage.delete(BlobId.of(bucket(), location.objectName(key)));
        } catch (StorageException e) {
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

    /** Lists one object: needs only object read rights (roles/storage.objectUser), unlike a bucket lookup. */
    @Override
    public void checkAccess() throws IOException {
        try {
            storage.list(bucket(), Storage.BlobListOption.pageSize(1),
                    Storage.BlobListOption.prefix(location.objectName(""))).getValues().iterator().hasNext();
        } catch (StorageException e) {
            throw map(e, "access check");
        }
    }

    @Override
    public void close() throws IOException {
        if (ownsClient) {
            try {
                storage.close();
            } catch (Exception e) {
                throw new IOException("closing the GCS client failed", e);
            }
        }
    }

    private String bucket() {
        return location.bucket();
    }

    private IOException map(StorageException e, String action) {
        String where = "gs://" + bucket();
        int code = e.getCode();
        String message = S3Errors.firstLine(e.getMessage());
        if (code == 404) {
            return new StoreAccessException("bucket '" + bucket() + "' does not exist (" + where
                    + "): create it or fix --store", e);
        }
        if (code == 401 || code == 403 || message.contains("default credentials")) {
            return new StoreAccessException("access denied to " + where + ": check the credentials "
                    + "(GOOGLE_APPLICATION_CREDENTIALS / Workload Identity) and the bucket's IAM (" + message + ")", e);
        }
        return new IOException(where + ": " + action + " failed: " + message, e);
    }

    /** The resumable session: bytes go up chunk by chunk as written; close() finalises and creates the object. */
    private final class GcsUpload implements Upload {
        private final WriteChannel writer;
        private final String key;
        private final OutputStream stream;
        private volatile boolean committed;
        private volatile boolean aborted;

        GcsUpload(WriteChannel writer, String key) {
            this.writer = writer;
            this.key = key;
            this.stream = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (committed || aborted) {
                        throw new IOException("upload of '" + key + "' already " + (committed ? "committed" : "aborted"));
                    }
                    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                    try {
                        while (buffer.hasRemaining()) {
                            writer.write(buffer);
                        }
                    } catch (StorageException e) {
                        throw map(e, "upload of '" + key + "'");
                    }
                }

                /** Closing the stream must not finalise the object; only commit() does. */
                @Override
                public void close() {
                }
            };
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public void commit() throws IOException {
            if (committed) {
                return;
            }
            if (aborted) {
                throw new IOException("upload of '" + key + "' was aborted");
            }
            try {
                writer.close();
                committed = true;
            } catch (StorageException e) {
                aborted = true;
                throw map(e, "upload of '" + key + "'");
            } catch (IOException e) {
                aborted = true;
                Throwable cause = e.getCause();
                throw cause instanceof StorageException se ? map(se, "upload of '" + key + "'") : e;
            }
        }

        /** Drops the session without finalising it: the object never exists (see the class comment). */
        @Override
        public void abort() {
            aborted = !committed;
        }

        @Override
        public void close() {
            abort();
        }
    }
}
