package io.etcdops.core.store;

import java.time.Instant;

/** An upload that was started but never committed nor aborted; {@code id} is provider-specific (e.g. S3 upload id). */
public record IncompleteUpload(String key, String id, Instant started) {
}
