package io.etcdops.restore;

import io.etcdops.core.runtime.JobException;
import io.etcdops.core.snapshot.SnapshotContents;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The decision table of {@link StorageVersionGuard}, from what etcd 3.5.36/3.6.16/3.7.3 did with each pair
 * (SnapshotRestoreMatrixIT runs the real pairs).
 */
class StorageVersionGuardTest {

    private static SnapshotContents withStorage(String storageVersion) {
        return new SnapshotContents(10, 0, 0, 5, 2, 10, 9, 20, 0, List.of("key", "meta"), 4096, 20480, 20512, true,
                storageVersion, storageVersion);
    }

    @ParameterizedTest(name = "storage ''{0}'' into etcd {1}: allowed")
    @CsvSource({"'',3.4.23", "'',3.5.36", "'',3.6.16", "3.6.0,3.6.16", "3.6.0,3.7.3", "3.7.0,3.7.3",
            "3.6.0,3.5.36", "3.6.0,3.5.21", "3.6.0,3.4.23", "3.7.0,v3.7.3", "3.8.0,unknown"})
    void allowed(String storage, String target) {
        assertThatCode(() -> StorageVersionGuard.require("s", withStorage(storage), target, "how")).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "storage {0} into etcd {1}: refused")
    @CsvSource({"3.7.0,3.6.16,refuses to start on it", "3.7.0,3.6.10,refuses to start on it",
            "3.7.0,3.5.36,could then never be upgraded to 3.6", "3.8.0,3.7.3,refuses to start on it"})
    void refusedWithExit3AndTheWayOut(String storage, String target, String why) {
        JobException e = catchThrowableOfType(JobException.class,
                () -> StorageVersionGuard.require("20261208T000000Z-r5", withStorage(storage), target, "pass --etcdutl"));
        assertThat(e.exitCode().code()).isEqualTo(3);
        String minor = StorageVersionGuard.minor(target)[0] + "." + StorageVersionGuard.minor(target)[1];
        assertThat(e.getMessage()).contains("snapshot 20261208T000000Z-r5 has storage version " + storage, "runs etcd " + target,
                why, "pass --etcdutl", "etcdctl downgrade enable " + minor);
    }
}
