package io.etcdops.backup;

import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.snapshot.Compression;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;

import java.nio.file.Path;
import java.time.Duration;

/** Everything one backup run needs, resolved and validated from flags and env (secrets stay out of toString). */
public record BackupSettings(
        EtcdConnectionConfig etcd,
        StoreLocation store,
        StoreOptions storeOptions,
        String cluster,
        String member,
        Compression compression,
        EncryptionKey key,
        boolean verifyFull,
        Path spoolDir,
        Duration streamIdleTimeout,
        RetentionPolicy retention,
        boolean dryRun,
        String pushgatewayUrl) {
}
