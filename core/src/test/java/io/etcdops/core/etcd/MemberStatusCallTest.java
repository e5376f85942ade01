package io.etcdops.core.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.StatusResponse;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MemberStatusCallTest {

    /** Fields 11-13 as etcd 3.6 puts them on the wire, parsed by jetcd's 3.5-level message. */
    @Test
    void readsTheFieldsA35ParserKeepsAsUnknown() throws Exception {
        UnknownFieldSet downgrade = UnknownFieldSet.newBuilder()
                .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                .addField(2, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("3.5.0")).build())
                .build();
        UnknownFieldSet extra = UnknownFieldSet.newBuilder()
                .addField(11, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("3.6.0")).build())
                .addField(12, UnknownFieldSet.Field.newBuilder().addVarint(8L * 1024 * 1024 * 1024).build())
                .addField(13, UnknownFieldSet.Field.newBuilder().addLengthDelimited(downgrade.toByteString()).build())
                .build();
        byte[] wire = StatusResponse.newBuilder().setVersion("3.6.16").setLeader(7).setUnknownFields(extra).build().toByteArray();

        StatusResponse parsed = StatusResponse.parseFrom(wire);
        StorageInfo s = MemberStatusCall.storage(parsed.getUnknownFields());

        assertThat(parsed.getVersion()).isEqualTo("3.6.16");
        assertThat(s).isEqualTo(new StorageInfo("3.6.0", 8L * 1024 * 1024 * 1024, true, "3.5.0"));
    }

    @Test
    void aStatusWithoutThemIsUnknown() throws Exception {
        StatusResponse parsed = StatusResponse.parseFrom(StatusResponse.newBuilder().setVersion("3.5.36").build().toByteArray());
        assertThat(MemberStatusCall.storage(parsed.getUnknownFields())).isEqualTo(StorageInfo.UNKNOWN);
    }

    @Test
    void theTwelveArgumentConstructorStillBuildsA35LevelStatus() {
        MemberStatus s = new MemberStatus(null, URI.create("http://127.0.0.1:2379"), true, null, "3.5.36", 1, 1, 9, 3, 2, 3, List.of());
        assertThat(s.storage()).isEqualTo(StorageInfo.UNKNOWN);
        assertThat(s.healthy()).isTrue();
    }
}
