package io.etcdops.core.etcd;

/**
 * What etcd 3.6+ adds to a member's Maintenance.Status (rpc.proto StatusResponse fields 11-13): the storage
 * (data-dir schema) version, the backend quota the member runs with, and whether a cluster downgrade is in progress.
 * A 3.5 or older member sends none of them: {@link #known()} is then false and every field is empty or zero.
 *
 * @param storageVersion         field 11, e.g. "3.6.0"; empty when not sent
 * @param dbSizeQuota            field 12, the member's --quota-backend-bytes in effect (etcd's default filled in); 0 when not sent
 * @param downgradeEnabled       field 13.1: a downgrade was enabled (etcdctl downgrade enable) and has not finished or been cancelled
 * @param downgradeTargetVersion field 13.2, e.g. "3.5.0"; empty when no downgrade is enabled
 */
public record StorageInfo(String storageVersion, long dbSizeQuota, boolean downgradeEnabled, String downgradeTargetVersion) {
    public static final StorageInfo UNKNOWN = new StorageInfo("", 0, false, "");

    public StorageInfo {
        storageVersion = storageVersion == null ? "" : storageVersion;
        downgradeTargetVersion = downgradeTargetVersion == null ? "" : downgradeTargetVersion;
    }

    /** True when the member sent any of the 3.6 fields (every 3.6+ member sends at least the quota). */
    public boolean known() {
        return !storageVersion.isEmpty() || dbSizeQuota > 0 || downgradeEnabled || !downgradeTargetVersion.isEmpty();
    }
}
