package io.etcdops.storage;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.store.NoSuchObjectException;
import io.etcdops.core.store.StoreAccessException;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Builds the Azure container client (JDK HTTP client, exponential retries) and maps its exceptions. */
public final class AzureClients {

    public static final String CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING";
    public static final String ACCOUNT_KEY_ENV = "AZURE_STORAGE_KEY";

    private static final Set<BlobErrorCode> CREDENTIAL_CODES = Set.of(BlobErrorCode.AUTHENTICATION_FAILED,
            BlobErrorCode.AUTHORIZATION_FAILURE, BlobErrorCode.AUTHORIZATION_PERMISSION_MISMATCH,
            BlobErrorCode.INSUFFICIENT_ACCOUNT_PERMISSIONS, BlobErrorCode.INVALID_AUTHENTICATION_INFO,
            BlobErrorCode.NO_AUTHENTICATION_INFORMATION);

    private AzureClients() {
    }

    /**
     * Credentials, first found wins: {@code AZURE_STORAGE_CONNECTION_STRING}; {@code AZURE_STORAGE_KEY} (shared
     * key of the URI's account); else an Azure AD token ({@link AzureTokenCredentials}: workload identity, managed
     * identity, a service principal's AZURE_* variables, or az login when chosen).
     *
     * @param env the process environment (a plain map in tests)
     */
    public static BlobContainerClient container(StoreLocation location, StoreOptions options, Map<String, String> env) {
        String endpoint = options.azureEndpoint() != null
                ? options.azureEndpoint()
                : "https://" + location.account() + ".blob.core.windows.net";
        BlobContainerClientBuilder builder = new BlobContainerClientBuilder()
                .httpClient(httpClient(options))
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, Math.max(1, options.maxAttempts()),
                        options.requestTimeout(), Duration.ofSeconds(1), Duration.ofSeconds(30), null));
        String connectionString = env.get(CONNECTION_STRING_ENV);
        String accountKey = env.get(ACCOUNT_KEY_ENV);
        if (connectionString != null && !connectionString.isBlank()) {
            builder.connectionString(connectionString.trim());
            if (options.azureEndpoint() != null) {
                builder.endpoint(endpoint);
            }
        } else if (accountKey != null && !accountKey.isBlank()) {
            builder.endpoint(endpoint).credential(new StorageSharedKeyCredential(location.account(), accountKey.trim()));
        } else if (endpoint.startsWith("http://")) {
            // the SDK sends tokens over https only (Azurite and other plain-http endpoints take a shared key)
            throw JobException.usage("--azure-endpoint " + endpoint + " is plain http: set " + ACCOUNT_KEY_ENV
                    + " or " + CONNECTION_STRING_ENV + " (Azure AD tokens are only sent over https)");
        } else {
            builder.endpoint(endpoint).credential(AzureTokenCredentials.fromEnvironment(env));
        }
        return builder.containerName(location.bucket()).buildClient();
    }

    private static HttpClient httpClient(StoreOptions options) {
        return new JdkHttpClientBuilder()
                .connectionTimeout(S3Clients.CONNECT_TIMEOUT)
                .responseTimeout(options.requestTimeout())
                .build();
    }

    /**
     * @param where  the store, e.g. "azblob://account/container"
     * @param action what was being done ("upload of 'x'", "list")
     */
    static IOException map(RuntimeException e, String where, String container, String action) {
        if (e instanceof BlobStorageException bse) {
            BlobErrorCode code = bse.getErrorCode();
            if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
                return containerMissing(where, container, e);
            }
            if (BlobErrorCode.BLOB_NOT_FOUND.equals(code)) {
                return new NoSuchObjectException(where + ": " + action + ": no such object");
            }
            if (bse.getStatusCode() == 403 || CREDENTIAL_CODES.contains(code)) {
                return accessDenied(where, code == null ? "HTTP " + bse.getStatusCode() : code.toString(), e);
            }
            String detail = code == null ? "HTTP " + bse.getStatusCode() : code + " (HTTP " + bse.getStatusCode() + ")";
            return new IOException(where + ": " + action + " failed: " + detail, e);
        }
        if (e instanceof ClientAuthenticationException) {
            return new StoreAccessException("no usable Azure credentials for " + where + ": set "
                    + ACCOUNT_KEY_ENV + " or " + CONNECTION_STRING_ENV + ", or give the pod a workload identity ("
                    + S3Errors.firstLine(e.getMessage()) + ")", e);
        }
        return new IOException(where + ": " + action + " failed: " + S3Errors.firstLine(rootMessage(e)), e);
    }

    static StoreAccessException containerMissing(String where, String container, Throwable cause) {
        return new StoreAccessException("container '" + container + "' does not exist (" + where
                + "): create it or fix --store / --azure-endpoint", cause);
    }

    static StoreAccessException accessDenied(String where, String detail, Throwable cause) {
        return new StoreAccessException("access denied to " + where + ": check the credentials ("
                + ACCOUNT_KEY_ENV + " / " + CONNECTION_STRING_ENV + " / workload identity) and the role assignment ("
                + detail + ")", cause);
    }

    /** Connection errors arrive wrapped (reactor, UncheckedIOException); the innermost message says what failed. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
