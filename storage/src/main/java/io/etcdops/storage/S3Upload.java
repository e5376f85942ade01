package io.etcdops.storage;

import io.etcdops.core.store.Upload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One S3 object being written: parts go up in parallel as a multipart upload that {@link #commit()} completes; an
 * object smaller than one part is a single PutObject at commit. Until then nothing is visible. Any failure, and
 * {@link #abort()}, aborts the multipart upload so no parts are left (if the abort itself cannot reach S3, the
 * upload shows in {@code listIncomplete} for retention to discard).
 */
final class S3Upload implements Upload, ParallelPartStream.PartSink {

    private static final Logger LOG = LoggerFactory.getLogger(S3Upload.class);
    private static final String CONTENT_TYPE = "application/octet-stream";

    private final S3Client s3;
    private final String bucket;
    private final String objectName;
    private final S3Sse sse;
    private final ParallelPartStream stream;
    private final Map<Integer, CompletedPart> completedParts = new ConcurrentSkipListMap<>();
    private volatile String uploadId;
    private volatile boolean committed;
    private volatile boolean aborted;

    /** Server-side encryption of new objects: none, SSE-S3 (AES256) or SSE-KMS with an optional key. */
    record S3Sse(ServerSideEncryption mode, String kmsKeyId) {
        static S3Sse of(String option, String kmsKeyId) {
            return switch (option == null ? "none" : option) {
                case "s3" -> new S3Sse(ServerSideEncryption.AES256, null);
                case "kms" -> new S3Sse(ServerSideEncryption.AWS_KMS, kmsKeyId);
                case "none" -> new S3Sse(null, null);
                default -> throw new IllegalArgumentException("S3 server-side encryption must be none, s3 or kms: "
                        + option);
            };
        }
    }

    S3Upload(S3Client s3, String bucket, String objectName, S3Sse sse, int partSize, int parallelism, Path partBufferDir) {
        this.s3 = s3;
        this.bucket = bucket;
        this.objectName = objectName;
        this.sse = sse;
        this.stream = new ParallelPartStream(this, partSize, parallelism, "s3-upload", partBufferDir);
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
        try {
            ParallelPartStream.Finished finished = stream.finish();
            if (finished.multipart()) {
                complete(finished.parts());
            } else {
                putSingle(finished.single());
            }
            committed = true;
            stream.release();
        } catch (SdkException e) {
            abort();
            throw S3Errors.map(e, bucket, "upload of '" + objectName + "'");
        } catch (IOException | RuntimeException e) {
            abort();
            throw e;
        }
    }

    @Override
    public void abort() {
        if (committed || aborted) {
            return;
        }
        aborted = true;
        stream.abort();
        stream.release();
        String id = uploadId;
        if (id == null) {
            return;
        }
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectName).uploadId(id));
        } catch (SdkException e) {
            LOG.warn("could not abort the multipart upload of s3://{}/{} ({}): retention will discard it later",
                    bucket, objectName, S3Errors.firstLine(e.getMessage()));
        }
    }

    @Override
    public void close() {
        if (!committed) {
            abort();
        }
    }

    @Override
    public void startParts() throws IOException {
        CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
                .bucket(bucket).key(objectName).contentType(CONTENT_TYPE)
                .serverSideEncryption(sse.mode()).ssekmsKeyId(sse.kmsKeyId());
        try {
            uploadId = s3.createMultipartUpload(request.build()).uploadId();
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket, "upload of '" + objectName + "'");
        }
    }

    @Override
    public void uploadPart(int partNumber, PartBuffer part) throws IOException {
        try {
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(objectName).uploadId(uploadId)
                    .partNumber(partNumber).contentLength((long) part.length()), body(part)).eTag();
            completedParts.put(partNumber, CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        } catch (SdkException e) {
            throw S3Errors.map(e, bucket, "upload of part " + partNumber + " of '" + objectName + "'");
        }
    }

    private void complete(int partCount) throws IOException {
        List<CompletedPart> parts = new ArrayList<>(completedParts.values());
        if (parts.size() != partCount) {
            throw new IOException("s3://" + bucket + "/" + objectName + ": " + parts.size() + " of " + partCount
                    + " parts uploaded");
        }
        s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectName).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
    }

    private void putSingle(PartBuffer single) {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(bucket).key(objectName).contentType(CONTENT_TYPE).contentLength((long) single.length())
                .serverSideEncryption(sse.mode()).ssekmsKeyId(sse.kmsKeyId()).build();
        s3.putObject(request, body(single));
    }

    /** A body the SDK can re-read on a retry (each read is a new stream from the part's first byte), not copied. */
    private static RequestBody body(PartBuffer part) {
        ContentStreamProvider provider = part::newStream;
        return RequestBody.fromContentProvider(provider, part.length(), CONTENT_TYPE);
    }
}
