package io.etcdops.storage;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IRSA (EKS's projected web identity token): the AWS SDK's default chain exchanges the token for credentials through
 * STS, and only if the {@code sts} module is on the class path. STS itself cannot run here: a fake STS endpoint
 * (a local HTTP server answering AssumeRoleWithWebIdentity, named as such) stands in, reached through the SDK's own
 * endpoint override setting.
 */
class S3WebIdentityTest {
    private static final List<String> PROPS = List.of("aws.webIdentityTokenFile", "aws.roleArn", "aws.roleSessionName",
            "aws.region", "aws.endpointUrlSts");

    @AfterEach
    void clear() {
        PROPS.forEach(System::clearProperty);
    }

    @Test
    void aProjectedServiceAccountTokenIsExchangedForCredentialsThroughSts(@TempDir Path tmp) throws IOException {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer fakeSts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        fakeSts.createContext("/", exchange -> {
            requests.add(URLDecoder.decode(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8));
            byte[] body = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>AKIDFROMSTS</AccessKeyId>"
                    + "<SecretAccessKey>secret-from-sts</SecretAccessKey><SessionToken>session-from-sts</SessionToken>"
                    + "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
                    + "</AssumeRoleWithWebIdentityResponse>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        fakeSts.start();
        try {
            Path token = Files.writeString(tmp.resolve("token"), "projected-service-account-token");
            System.setProperty("aws.webIdentityTokenFile", token.toString());
            System.setProperty("aws.roleArn", "arn:aws:iam::123456789012:role/etcd-ops-backup");
            System.setProperty("aws.roleSessionName", "etcd-ops-test");
            System.setProperty("aws.region", "eu-west-1");
            System.setProperty("aws.endpointUrlSts", "http://127.0.0.1:" + fakeSts.getAddress().getPort());

            try (WebIdentityTokenFileCredentialsProvider provider = WebIdentityTokenFileCredentialsProvider.create()) {
                AwsCredentials c = provider.resolveCredentials();
                assertThat(c.accessKeyId()).isEqualTo("AKIDFROMSTS");
                assertThat(c).isInstanceOfSatisfying(AwsSessionCredentials.class,
                        s -> assertThat(s.sessionToken()).isEqualTo("session-from-sts"));
            }
            assertThat(requests).singleElement().asString().contains("Action=AssumeRoleWithWebIdentity")
                    .contains("RoleArn=arn:aws:iam::123456789012:role/etcd-ops-backup")
                    .contains("WebIdentityToken=projected-service-account-token");
        } finally {
            fakeSts.stop(0);
        }
    }
}
