package io.etcdops.storage;

import io.etcdops.core.store.NoSuchObjectException;
import io.etcdops.core.store.StoreAccessException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.util.Set;

/** Turns AWS SDK exceptions into the store's IOExceptions with one-line messages that name the likely fix. */
final class S3Errors {

    private static final Set<String> CREDENTIAL_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled");

    private S3Errors() {
    }

    /**
     * @param bucket the bucket the request was for
     * @param action what was being done, for the message ("upload of 'x'", "list")
     */
    static IOException map(SdkException e, String bucket, String action) {
        String where = "s3://" + bucket;
        if (e instanceof NoSuchKeyException) {
            return new NoSuchObjectException(where + ": " + action + ": no such object");
        }
        if (e instanceof NoSuchBucketException || "NoSuchBucket".equals(errorCode(e))) {
            return bucketMissing(bucket, e);
        }
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            String code = errorCode(e);
            if (status == 403 || CREDENTIAL_CODES.contains(code)) {
                return accessDenied(bucket, code == null ? "HTTP 403" : code, e);
            }
            if (status == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
                return new StoreAccessException(where + " is in another region than the one configured: set --s3-region"
                        + " (" + (code == null ? "HTTP " + status : code) + ")", e);
            }
            String detail = code == null ? "HTTP " + status : code + " (HTTP " + status + ")";
            return new IOException(where + ": " + action + " failed: " + detail, e);
        }
        if (e instanceof SdkClientException && isMissingCredentials(e)) {
            return new StoreAccessException("no AWS credentials for " + where + ": set AWS_ACCESS_KEY_ID / "
                    + "AWS_SECRET_ACCESS_KEY or give the pod an IRSA / Pod Identity role", e);
        }
        return new IOException(where + ": " + action + " failed: " + firstLine(e.getMessage()), e);
    }

    static StoreAccessException bucketMissing(String bucket, Throwable cause) {
        return new StoreAccessException("bucket '" + bucket + "' does not exist (s3://" + bucket
                + "): create it or fix --store / --s3-endpoint", cause);
    }

    static StoreAccessException accessDenied(String bucket, String detail, Throwable cause) {
        return new StoreAccessException("access denied to s3://" + bucket + ": check the credentials "
                + "(AWS_ACCESS_KEY_ID / IRSA role) and the bucket policy (" + detail + ")", cause);
    }

    private static boolean isMissingCredentials(SdkException e) {
        String message = e.getMessage();
        return message != null && message.contains("Unable to load credentials");
    }

    private static String errorCode(SdkException e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode();
        }
        return null;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
