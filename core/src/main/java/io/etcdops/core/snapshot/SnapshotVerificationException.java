package io.etcdops.core.snapshot;

/**
 * A snapshot failed verification: etcd's sha256 trailer does not match, the bbolt file is malformed, or etcd's data
 * in it is not what etcd writes. The message is one line meant for users, e.g. "snapshot sha256 trailer mismatch:
 * the stream was truncated or corrupted". Jobs map it to exit code 4 (verification failed).
 */
public class SnapshotVerificationException extends Exception {
    public SnapshotVerificationException(String message) {
        super(message);
    }

    public SnapshotVerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
