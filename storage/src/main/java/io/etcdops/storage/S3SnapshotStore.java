package io.etcdops.storage;

import io.etcdops.core.store.IncompleteUpload;
import io.etcdops.core.store.SnapshotStore;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import io.etcdops.core.store.StoredObject;
import io.etcdops.core.store.Upload;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code s3://bucket/prefix} on AWS S3 or an S3-compatible server (MinIO, Ceph RGW, S3Proxy) through the AWS SDK v2
 * with the Apache HTTP client. Uploads are parallel multipart uploads ({@link S3Upload}); keys are relative to the
 * prefix. SDK exceptions leave this class as IOExceptions with one-line messages ({@link S3Errors}).
 */
public final class S3SnapshotStore implements SnapshotStore {

    private final StoreLocation location;
    private final StoreOptions options;
    private final S3Client s3;
    private final boolean ownsClient;
    private final S3Upload.S3Sse sse;

    /** Uses a client built elsewhere (tests, or a caller sharing one); {@link #close()} leaves it open. */
    public S3SnapshotStore(StoreLocation location, StoreOptions options, S3Client s3) {
        this(location, options, s3, false);
    }

    private S3SnapshotStore(StoreLocation location, StoreOptions options, S3Client s3, boolean ownsClient) {
        this.location = location;
        this.options = options;
        this.s3 = s3;
        this.ownsClient = ownsClient;
        this.sse = S3Upload.S3Sse.of(options.s3Sse(), options.s3SseKmsKeyId());
    }

    /** Builds the real client: options for endpoint, path style, region and retries; credentials from the SDK chain. */
    public static S3SnapshotStore connect(StoreLocation location, StoreOptions options) {
        S3Client client = S3Clients.build(location, options, DefaultCredentialsProvider.builder().build());
        return new S3SnapshotStore(location, options, client, true);
    }

    @Override
    public URI uri() {
        return location.uri();
    }

    @Override
    public Upload begin(String key) {
        return new S3Upload(s3, bucket(), location.objectName(key), sse, options.partSizeBytes(), options.parallelism(), options.partBufferDir());
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket()).key(location.objectName(key)));
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket(), "read of '" + key + "'");
        }
    }

    @Override
    public List<StoredObject> list(String keyPrefix) throws IOException {
        List<StoredObject> objects = new ArrayList<>();
        try {
            String prefix = location.objectName(keyPrefix);
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(prefix)).contents()) {
                // "folder" marker objects made by consoles are not snapshots
                if (!o.key().endsWith("/")) {
                    objects.add(new StoredObject(location.keyOf(o.key()), o.size(), o.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket(), "list");
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket()).key(location.objectName(key)));
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket(), "delete of '" + key + "'");
        }
    }

    @Override
    public List<IncompleteUpload> listIncomplete(String keyPrefix) throws IOException {
        List<IncompleteUpload> uploads = new ArrayList<>();
        try {
            String prefix = location.objectName(keyPrefix);
            for (MultipartUpload u : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket()).prefix(prefix)).uploads()) {
                uploads.add(new IncompleteUpload(location.keyOf(u.key()), u.uploadId(), u.initiated()));
            }
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket(), "list of incomplete uploads");
        }
        uploads.sort(Comparator.comparing(IncompleteUpload::key).thenComparing(IncompleteUpload::id));
        return uploads;
    }

    @Override
    public void discard(IncompleteUpload upload) throws IOException {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket()).key(location.objectName(upload.key())).uploadId(upload.id()));
        } catch (SdkException e) {
            if (!"NoSuchUpload".equals(errorCode(e))) {
                throw S3Errors.map(e, bucket(), "discard of the incomplete upload of '" + upload.key() + "'");
            }
        }
    }

    /** HeadBucket: a HEAD response has no error body, so 404 and 403 are told apart by status alone. */
    @Override
    public void checkAccess() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket()));
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404) {
                throw S3Errors.bucketMissing(bucket(), e);
            }
            if (e.statusCode() == 403 || e.statusCode() == 401) {
                throw S3Errors.accessDenied(bucket(), "HTTP " + e.statusCode(), e);
            }
            throw S3Errors.map(e, bucket(), "access check");
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket(), "access check");
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }

    private String bucket() {
        return location.bucket();
    }

    private static String errorCode(SdkException e) {
        return e instanceof AwsServiceException s && s.awsErrorDetails() != null ? s.awsErrorDetails().errorCode() : null;
    }
}
