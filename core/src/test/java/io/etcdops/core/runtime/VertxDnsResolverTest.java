package io.etcdops.core.runtime;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The images ship without Netty's DNS resolver (parent pom: excluded from vertx-core). Vert.x, jetcd's transport, must
 * then resolve names through the JDK: the runner selects that, and a Vert.x client reaches a host by name.
 */
class VertxDnsResolverTest {

    @Test
    void nettysDnsResolverIsNotOnTheClasspath() {
        assertThatThrownBy(() -> Class.forName("io.netty.resolver.dns.DnsNameResolver"))
                .as("netty-resolver-dns is excluded in the parent pom").isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void theRunnerSelectsTheJdkResolverAndVertxConnectsByHostName() throws Exception {
        JobRunner.commandLine(new Probe(), new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream()));
        assertThat(System.getProperty(JobRunner.VERTX_DISABLE_DNS_RESOLVER)).isEqualTo("true");

        Vertx vertx = Vertx.vertx();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            NetClient client = vertx.createNetClient();
            NetSocket socket = client.connect(server.getLocalPort(), "localhost").toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            try (Socket peer = accepted.get(10, TimeUnit.SECONDS)) {
                assertThat(peer.isConnected()).isTrue();
            }
            socket.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @picocli.CommandLine.Command(name = "probe")
    static final class Probe implements Runnable {
        @Override
        public void run() {
        }
    }
}
