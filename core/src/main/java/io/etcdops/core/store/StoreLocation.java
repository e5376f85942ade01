package io.etcdops.core.store;

import io.etcdops.core.runtime.JobException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A parsed {@code --store} URI. Forms accepted:
 * <ul>
 *   <li>{@code file:///absolute/path}</li>
 *   <li>{@code s3://bucket[/prefix]}</li>
 *   <li>{@code gs://bucket[/prefix]}</li>
 *   <li>{@code azblob://account/container[/prefix]} or
 *       {@code https://account.blob.core.windows.net/container[/prefix]}</li>
 * </ul>
 * For {@code file}, {@code bucket} is empty and {@code prefix} is the absolute folder path. For {@code azblob},
 * {@code account} is the storage account and {@code bucket} the container. A malformed URI is a usage error (exit 2).
 */
public record StoreLocation(String scheme, String account, String bucket, String prefix, URI uri) {

    public static StoreLocation parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw JobException.usage("--store is required (env ETCD_OPS_STORE), e.g. file:///var/backups/etcd or s3://bucket/prefix");
        }
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw JobException.usage("--store '" + raw + "' is not a valid URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file": {
                String path = uri.getPath();
                if (uri.getAuthority() != null || path == null || !path.startsWith("/")) {
                    throw JobException.usage("--store '" + raw + "': a file store needs an absolute path, e.g. file:///var/backups/etcd");
                }
                return new StoreLocation("file", "", "", stripTrailingSlash(path), uri);
            }
            case "s3":
            case "gs": {
                String bucket = uri.getAuthority();
                if (bucket == null || bucket.isBlank()) {
                    throw JobException.usage("--store '" + raw + "': missing bucket, e.g. " + scheme + "://my-bucket/etcd-backups");
                }
                return new StoreLocation(scheme, "", bucket, cleanPrefix(uri.getPath()), uri);
            }
            case "azblob": {
                String account = uri.getAuthority();
                String[] parts = splitFirst(cleanPrefix(uri.getPath()));
                if (account == null || account.isBlank() || parts[0].isEmpty()) {
                    throw JobException.usage("--store '" + raw + "': expected azblob://ACCOUNT/CONTAINER[/PREFIX]");
                }
                return new StoreLocation("azblob", account, parts[0], parts[1], uri);
            }
            case "https": {
                String host = uri.getHost() == null ? "" : uri.getHost();
                int dot = host.indexOf(".blob.");
                String[] parts = splitFirst(cleanPrefix(uri.getPath()));
                if (dot <= 0 || parts[0].isEmpty()) {
                    throw JobException.usage("--store '" + raw + "': only Azure blob URLs are accepted over https "
                            + "(https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX])");
                }
                return new StoreLocation("azblob", host.substring(0, dot), parts[0], parts[1], uri);
            }
            case "": {
                String path = uri.getPath() != null && uri.getPath().startsWith("/") ? uri.getPath() : "/ABSOLUTE/PATH";
                throw JobException.usage("--store '" + raw + "' has no scheme: use file://" + path
                        + " for a folder, or s3://, gs://, azblob://");
            }
            default:
                throw JobException.usage("--store '" + raw + "': unsupported scheme '" + scheme
                        + "'; use file://, s3://, gs://, azblob:// or an https Azure blob URL");
        }
    }

    /** Joins the prefix and a relative key into the provider's object name ("prefix/key" or "key"). */
    public String objectName(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /** Inverse of {@link #objectName(String)}. */
    public String keyOf(String objectName) {
        return prefix.isEmpty() ? objectName : objectName.substring(prefix.length() + 1);
    }

    private static String cleanPrefix(String path) {
        if (path == null) {
            return "";
        }
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return stripTrailingSlash(p);
    }

    private static String stripTrailingSlash(String p) {
        String s = p;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static String[] splitFirst(String path) {
        int slash = path.indexOf('/');
        return slash < 0 ? new String[] {path, ""} : new String[] {path.substring(0, slash), path.substring(slash + 1)};
    }
}
