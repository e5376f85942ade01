package io.etcdops.upgrade;

import io.etcdops.core.crypto.EncryptionKey;
import io.etcdops.core.etcd.EtcdConnectionConfig;
import io.etcdops.core.store.StoreLocation;
import io.etcdops.core.store.StoreOptions;

import java.time.Duration;

/**
 * One upgrade run, resolved and validated from flags and env. {@code etcd} carries TLS, credentials and timeouts; its
 * endpoints are replaced by the StatefulSet's per-pod client URLs. {@code store} is null with {@code skipBackup}.
 */
public record UpgradeSettings(
        EtcdVersion toVersion,
        String image,
        EtcdConnectionConfig etcd,
        StoreLocation store,
        StoreOptions storeOptions,
        String cluster,
        EncryptionKey key,
        boolean skipBackup,
        boolean dryRun,
        Duration memberTimeout,
        Duration clusterVersionTimeout,
        Duration leaseDuration,
        boolean rewriteFlags) {
}
