package io.etcdops.core.snapshot;

import io.etcdops.core.runtime.Json;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

/**
 * The commit marker of a snapshot: written last, next to the object, as {@code <stem>.json}. A snapshot without a
 * manifest is incomplete and never listed as restorable. Unknown fields are ignored so newer tools can add some:
 * {@code storageVersion} was added that way (format version still 1: a reader without it ignores it, a manifest
 * without it reads as null).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SnapshotManifest(
        @JsonProperty("formatVersion") int formatVersion,
        @JsonProperty("cluster") String cluster,
        @JsonProperty("clusterId") String clusterId,
        @JsonProperty("member") String member,
        @JsonProperty("memberId") String memberId,
        @JsonProperty("etcdVersion") String etcdVersion,
        @JsonProperty("revision") long revision,
        @JsonProperty("compactRevision") long compactRevision,
        @JsonProperty("raftTerm") Long raftTerm,
        @JsonProperty("raftIndex") Long raftIndex,
        @JsonProperty("keyCount") long keyCount,
        @JsonProperty("keyRevisions") long keyRevisions,
        @JsonProperty("dbSize") long dbSize,
        @JsonProperty("dbSha256") String dbSha256,
        @JsonProperty("object") StoredObjectInfo object,
        @JsonProperty("compression") String compression,
        @JsonProperty("encryption") EncryptionInfo encryption,
        @JsonProperty("createdAt") Instant createdAt,
        @JsonProperty("toolVersion") String toolVersion,
        @JsonProperty("verification") VerificationInfo verification,
        @JsonProperty("storageVersion") String storageVersion) {

    public static final int FORMAT_VERSION = 1;

    /** A manifest without a storage version (etcd 3.4/3.5, or written before the field existed). */
    public SnapshotManifest(int formatVersion, String cluster, String clusterId, String member, String memberId,
                            String etcdVersion, long revision, long compactRevision, Long raftTerm, Long raftIndex,
                            long keyCount, long keyRevisions, long dbSize, String dbSha256, StoredObjectInfo object,
                            String compression, EncryptionInfo encryption, Instant createdAt, String toolVersion,
                            VerificationInfo verification) {
        this(formatVersion, cluster, clusterId, member, memberId, etcdVersion, revision, compactRevision, raftTerm,
                raftIndex, keyCount, keyRevisions, dbSize, dbSha256, object, compression, encryption, createdAt,
                toolVersion, verification, null);
    }

    /** The stored object: key relative to the store, its size and sha256 as stored (compressed/encrypted bytes). */
    public record StoredObjectInfo(@JsonProperty("key") String key, @JsonProperty("size") long size,
                                   @JsonProperty("sha256") String sha256) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EncryptionInfo(@JsonProperty("algorithm") String algorithm, @JsonProperty("keyId") String keyId) {
    }

    /** mode: "full" (trailer + bbolt read) or "trailer"; result: "passed". */
    public record VerificationInfo(@JsonProperty("mode") String mode, @JsonProperty("trailer") boolean trailer,
                                   @JsonProperty("bbolt") boolean bbolt, @JsonProperty("result") String result) {
    }

    public byte[] toJson() throws IOException {
        return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
    }

    public static SnapshotManifest fromJson(InputStream in) throws IOException {
        return Json.mapper().readValue(in, SnapshotManifest.class);
    }

    public Compression compressionType() {
        return Compression.parse(compression);
    }

    public boolean encrypted() {
        return encryption != null;
    }
}
