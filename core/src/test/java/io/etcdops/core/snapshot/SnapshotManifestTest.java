package io.etcdops.core.snapshot;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** storageVersion joined format 1 without a bump: old manifests read as before, and unknown fields are skipped. */
class SnapshotManifestTest {
    /** A manifest as backup-job wrote it before storageVersion existed (etcd 3.5). */
    private static final String FORMAT_1_WITHOUT_STORAGE_VERSION = """
            {"formatVersion":1,"cluster":"prod","clusterId":"cdf818194e3a8c32","member":"m1","memberId":"8e9e05c52164694d",
             "etcdVersion":"3.5.30","revision":1234,"compactRevision":1000,"raftTerm":2,"raftIndex":1300,"keyCount":300,
             "keyRevisions":350,"dbSize":2097184,"dbSha256":"ab","object":{"key":"prod/20261124T080000Z-r1234.db.zst",
             "size":100000,"sha256":"cd"},"compression":"zstd","createdAt":"2026-11-24T08:00:00Z","toolVersion":"0.9.0",
             "verification":{"mode":"full","trailer":true,"bbolt":true,"result":"passed"}}""";

    private static SnapshotManifest read(String json) throws Exception {
        return SnapshotManifest.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aManifestWithoutStorageVersionReadsAsNone() throws Exception {
        SnapshotManifest m = read(FORMAT_1_WITHOUT_STORAGE_VERSION);
        assertThat(m.storageVersion()).isNull();
        assertThat(m.etcdVersion()).isEqualTo("3.5.30");
        assertThat(m.revision()).isEqualTo(1234);
        assertThat(m.object().key()).isEqualTo("prod/20261124T080000Z-r1234.db.zst");
    }

    @Test
    void storageVersionRoundTripsAndIsLeftOutWhenAbsent() throws Exception {
        SnapshotManifest old = read(FORMAT_1_WITHOUT_STORAGE_VERSION);
        assertThat(new String(old.toJson(), StandardCharsets.UTF_8)).doesNotContain("storageVersion");
        SnapshotManifest m36 = new SnapshotManifest(1, "prod", "c", "m1", "1", "3.6.16", 5, 0, 2L, 9L, 1, 1, 100, "ab",
                new SnapshotManifest.StoredObjectInfo("k", 1, "cd"), "none", null, Instant.parse("2026-12-08T00:00:00Z"),
                "1.0", new SnapshotManifest.VerificationInfo("full", true, true, "passed"), "3.6.0");
        String json = new String(m36.toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"storageVersion\" : \"3.6.0\"");
        assertThat(read(json)).isEqualTo(m36);
        assertThat(m36.formatVersion()).isEqualTo(SnapshotManifest.FORMAT_VERSION).isEqualTo(1);
    }

    @Test
    void fieldsThisReaderDoesNotKnowAreSkippedAsAnOlderReaderSkipsStorageVersion() throws Exception {
        String newer = FORMAT_1_WITHOUT_STORAGE_VERSION.replace("\"formatVersion\":1,",
                "\"formatVersion\":1,\"storageVersion\":\"3.7.0\",\"someFutureField\":{\"x\":[1,2]},");
        SnapshotManifest m = read(newer);
        assertThat(m.storageVersion()).isEqualTo("3.7.0");
        assertThat(m.keyCount()).isEqualTo(300);
    }
}
