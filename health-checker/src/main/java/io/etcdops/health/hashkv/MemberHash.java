package io.etcdops.health.hashkv;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One member's answer to HashKV at a revision (or why it gave none). The hash is etcd's crc32 as unsigned hex. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemberHash(
        @JsonProperty("member") String member,
        @JsonProperty("revision") long revision,
        @JsonProperty("compactRevision") long compactRevision,
        @JsonProperty("hash") String hash,
        @JsonProperty("error") String error) {

    public static MemberHash of(String member, long revision, long compactRevision, int hash) {
        return new MemberHash(member, revision, compactRevision, Integer.toUnsignedString(hash, 16), null);
    }

    public static MemberHash failed(String member, long revision, String error) {
        return new MemberHash(member, revision, 0, null, error);
    }

    public boolean answered() {
        return error == null;
    }
}
