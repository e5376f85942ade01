package io.etcdops.core.store;

import io.etcdops.core.runtime.ExitCode;
import io.etcdops.core.runtime.JobException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StoreLocationTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // raw                                                      | scheme | account | bucket    | prefix
            "file:///var/backups/etcd                                   | file   |         |           | /var/backups/etcd",
            "file:///var/backups/etcd/                                  | file   |         |           | /var/backups/etcd",
            "file:/var/backups/etcd                                     | file   |         |           | /var/backups/etcd",
            "file:///                                                   | file   |         |           | /",
            "s3://bucket                                                | s3     |         | bucket    | ''",
            "s3://bucket/                                               | s3     |         | bucket    | ''",
            "s3://bucket/etcd/prod/                                     | s3     |         | bucket    | etcd/prod",
            "S3://bucket/etcd                                           | s3     |         | bucket    | etcd",
            "gs://bucket                                                | gs     |         | bucket    | ''",
            "gs://bucket/etcd/prod                                      | gs     |         | bucket    | etcd/prod",
            "azblob://account/container                                 | azblob | account | container | ''",
            "azblob://account/container/etcd/prod/                      | azblob | account | container | etcd/prod",
            "https://account.blob.core.windows.net/container            | azblob | account | container | ''",
            "https://account.blob.core.windows.net/container/etcd/prod  | azblob | account | container | etcd/prod",
            "'  s3://bucket/etcd  '                                     | s3     |         | bucket    | etcd",
    })
    void acceptedForms(String raw, String scheme, String account, String bucket, String prefix) {
        StoreLocation location = StoreLocation.parse(raw);
        assertThat(location.scheme()).isEqualTo(scheme);
        assertThat(location.account()).isEqualTo(account == null ? "" : account);
        assertThat(location.bucket()).isEqualTo(bucket == null ? "" : bucket);
        assertThat(location.prefix()).isEqualTo(prefix);
        assertThat(location.uri().toString()).isEqualTo(raw.trim());
    }

    @Test
    void objectNamesJoinThePrefixAndKeyOfIsTheInverse() {
        StoreLocation withPrefix = StoreLocation.parse("s3://b/etcd/prod");
        assertThat(withPrefix.objectName("c1/snap.db")).isEqualTo("etcd/prod/c1/snap.db");
        assertThat(withPrefix.objectName("")).isEqualTo("etcd/prod/");
        assertThat(withPrefix.keyOf("etcd/prod/c1/snap.db")).isEqualTo("c1/snap.db");

        StoreLocation bare = StoreLocation.parse("gs://b");
        assertThat(bare.objectName("c1/snap.db")).isEqualTo("c1/snap.db");
        assertThat(bare.objectName("")).isEmpty();
        assertThat(bare.keyOf("c1/snap.db")).isEqualTo("c1/snap.db");
    }

    @ParameterizedTest(name = "''{0}''")
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void missingStoreIsAUsageErrorNamingTheEnvVariable(String raw) {
        assertThat(usageError(raw)).contains("--store is required").contains("ETCD_OPS_STORE");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "s3://bucket/a b                      | not a valid URI",
            "file:relative/path                   | absolute path",
            "file://host/var/backups              | absolute path",
            "s3:///prefix                         | missing bucket",
            "gs:///prefix                         | missing bucket",
            "azblob://account                     | azblob://ACCOUNT/CONTAINER",
            "azblob://account/                    | azblob://ACCOUNT/CONTAINER",
            "azblob:///container                  | azblob://ACCOUNT/CONTAINER",
            "https://example.com/container        | only Azure blob URLs",
            "https://account.blob.core.windows.net | only Azure blob URLs",
            "ftp://host/backups                   | unsupported scheme 'ftp'",
            "/var/backups/etcd                    | use file:///var/backups/etcd",
            "backups                              | no scheme",
    })
    void malformedOrUnsupportedIsAUsageError(String raw, String expected) {
        assertThat(usageError(raw)).contains(expected).contains("--store");
    }

    private static String usageError(String raw) {
        JobException e = catchThrowableOfType(JobException.class, () -> StoreLocation.parse(raw));
        assertThat(e).as("parse(%s) must fail", raw).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
        return e.getMessage();
    }
}
