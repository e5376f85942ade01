package io.etcdops.core.cli;

import io.etcdops.core.crypto.EncryptionKey;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --encryption-key-file (or env ETCD_OPS_ENCRYPTION_KEY holding the key itself): a picocli mixin. */
public class EncryptionKeyOption {

    @Option(names = "--encryption-key-file", paramLabel = "FILE", defaultValue = "${env:ETCD_OPS_ENCRYPTION_KEY_FILE}",
            description = "AES-256-GCM snapshot key: 32 bytes raw, 64 hex characters or base64, e.g. a mounted Secret "
                    + "(env ETCD_OPS_ENCRYPTION_KEY_FILE; env ETCD_OPS_ENCRYPTION_KEY holds the key itself).")
    public Path file;

    /** The key, or null when none is configured. */
    public EncryptionKey key() {
        return EncryptionKey.fromFileOrEnv(file);
    }
}
