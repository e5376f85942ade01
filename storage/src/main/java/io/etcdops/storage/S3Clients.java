package io.etcdops.storage;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.net.URI;
import java.time.Duration;

/** Builds the S3 client from {@link StoreOptions}: Apache HTTP client, SDK standard retries, timeouts, endpoint. */
public final class S3Clients {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private S3Clients() {
    }

    /**
     * @param credentials the SDK default chain in production (env, web identity / IRSA, Pod Identity, profile,
     *                    instance role); tests pass static keys
     */
    public static S3Client build(StoreLocation location, StoreOptions options, AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder()
                .credentialsProvider(credentials)
                .region(region(location, options))
                .forcePathStyle(options.s3PathStyle())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(options.requestTimeout())
                        // parts in flight plus a list or a read running next to them
                        .maxConnections(Math.max(options.parallelism() + 2, 8)))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(options.requestTimeout())
                        // standard mode: exponential backoff with jitter on throttling, 5xx and connection errors
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(Math.max(1, options.maxAttempts())).build()));
        if (options.s3Endpoint() != null) {
            builder.endpointOverride(URI.create(options.s3Endpoint()))
                    // S3-compatible servers often reject the SDK's default trailing CRC checksums (aws-chunked);
                    // send and check checksums only where the API requires them
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    /**
     * The explicit option, else the SDK chain. With a custom endpoint the chain is limited to AWS_REGION /
     * aws.region (no instance-metadata probe) and falls back to us-east-1, which S3-compatible servers accept.
     */
    static Region region(StoreLocation location, StoreOptions options) {
        if (options.s3Region() != null) {
            return Region.of(options.s3Region());
        }
        try {
            return options.s3Endpoint() != null
                    ? new SystemSettingsRegionProvider().getRegion()
                    : new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            if (options.s3Endpoint() != null) {
                return Region.US_EAST_1;
            }
            throw JobException.usage("no AWS region for " + location.uri() + ": set --s3-region or AWS_REGION");
        }
    }
}
