package io.etcdops.core.etcd;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcdops.core.runtime.JobException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * A raw gRPC channel to one member, for the calls where jetcd's API does not fit: the snapshot stream with real
 * flow control (jetcd's {@code snapshot(OutputStream)} writes on the event loop without backpressure). Same TLS
 * and credentials as {@link EtcdSession}.
 */
public final class EtcdGrpcChannels {
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

    private EtcdGrpcChannels() {
    }

    /**
     * A channel plus the interceptor-wrapped view to build stubs on, on its own event loop; close when done. Close
     * stops that event loop too: gRPC's shared one would linger for a second in epoll (native code), and a JVM that
     * exits meanwhile waits 300 ms for it (HotSpot's VM_Exit).
     */
    public record MemberChannel(ManagedChannel managed, Channel channel, EventLoopGroup eventLoop) implements AutoCloseable {
        @Override
        public void close() {
            managed.shutdownNow();
            try {
                managed.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        }
    }

    /** Bytes a member may send ahead of what was read: 1 MiB, gRPC's initial window, kept fixed. */
    static final int FLOW_CONTROL_WINDOW = 1 << 20;

    public static MemberChannel open(EtcdConnectionConfig config, URI endpoint) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(endpoint.getHost(), endpoint.getPort())
                .maxInboundMessageSize(64 * 1024 * 1024)
                // a fixed HTTP/2 window: gRPC's automatic tuning may grow it to 8 MiB, which a fast member fills with
                // snapshot bytes that wait in direct memory however few messages the consumer has asked for
                .flowControlWindow(FLOW_CONTROL_WINDOW)
                .withOption(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.dialTimeout().toMillis());
        if (config.usesTls() || "https".equals(endpoint.getScheme())) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                TlsContexts.configure(ssl, config);
                b.sslContext(ssl.build()).useTransportSecurity();
            } catch (javax.net.ssl.SSLException e) {
                throw JobException.usage("TLS setup failed: " + e.getMessage());
            }
        } else {
            b.usePlaintext();
        }
        // the event loop last: nothing above can leave it running
        EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("etcd-member-channel", true),
                NioIoHandler.newFactory());
        ManagedChannel managed = b.eventLoopGroup(eventLoop).channelType(NioSocketChannel.class).build();
        Channel channel = managed;
        if (config.hasAuth()) {
            String token;
            try {
                token = AuthGrpc.newBlockingStub(managed)
                        .withDeadlineAfter(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .authenticate(AuthenticateRequest.newBuilder().setName(config.user()).setPassword(config.password()).build())
                        .getToken();
            } catch (RuntimeException e) {
                new MemberChannel(managed, managed, eventLoop).close();
                throw JobException.failed("etcd at " + endpoint + ": " + EtcdErrors.describe(e), e);
            }
            channel = ClientInterceptors.intercept(managed, tokenInterceptor(token));
        }
        return new MemberChannel(managed, channel, eventLoop);
    }

    private static ClientInterceptor tokenInterceptor(String token) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(TOKEN, token);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }
}
