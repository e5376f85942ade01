package io.etcdops.core.etcd;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Turns gRPC / Netty / jetcd failures into one line a person can act on. */
public final class EtcdErrors {

    private EtcdErrors() {
    }

    public static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** True if the failure means "wrong user or password" or "permission denied". */
    public static boolean isAuthFailure(Throwable t) {
        String d = describe(t);
        return d.startsWith("authentication failed") || d.startsWith("permission denied");
    }

    /**
     * etcd's simple auth tokens are valid only on the member that issued them: a call the client balanced to another
     * member fails with "invalid auth token", and jetcd fetches a new token for the next call. One retry is right.
     */
    public static boolean isInvalidAuthToken(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x.getMessage() != null && x.getMessage().contains("invalid auth token")) {
                return true;
            }
        }
        return false;
    }

    public static String describe(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof TimeoutException) {
            return "timed out";
        }
        for (Throwable x = c; x != null; x = x.getCause()) {
            if (x instanceof SSLException) {
                String msg = String.valueOf(x.getMessage());
                if (msg.contains("PKIX") || msg.contains("unable to find valid certification path") || msg.contains("certificate")) {
                    return "TLS handshake failed: the server certificate is not trusted by --cacert (" + shorten(msg) + ")";
                }
                return "TLS handshake failed (" + shorten(msg) + ")";
            }
            if (x instanceof ConnectException) {
                return "connection refused";
            }
            if (x instanceof UnknownHostException) {
                return "unknown host " + x.getMessage();
            }
            if (x instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (x instanceof ClosedChannelException) {
                return "connection closed";
            }
        }
        Status status = null;
        for (Throwable x = c; x != null && status == null; x = x.getCause()) {
            if (x instanceof StatusRuntimeException sre) {
                status = sre.getStatus();
            } else if (x instanceof io.grpc.StatusException se) {
                status = se.getStatus();
            } else if (x instanceof io.etcd.jetcd.common.exception.EtcdException ee && ee.getMessage() != null
                    && ee.getMessage().contains("authentication failed")) {
                return "authentication failed: wrong user or password (etcd says: " + ee.getMessage() + ")";
            }
        }
        if (status != null) {
            Status s = status;
            String desc = String.valueOf(s.getDescription());
            if (desc.contains("authentication failed") || desc.contains("invalid user ID or password")) {
                return "authentication failed: wrong user or password (etcd says: " + desc + ")";
            }
            if (s.getCode() == Status.Code.PERMISSION_DENIED || desc.contains("permission denied")) {
                return "permission denied: " + desc + " (snapshot, defrag, member and alarm calls need the root role)";
            }
            if (desc.contains("user name is empty") || desc.contains("user name not found")) {
                return "authentication required: the cluster has auth enabled; set --user / ETCDCTL_USER";
            }
            if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                return "timed out (" + desc + ")";
            }
            if (s.getCode() == Status.Code.UNAVAILABLE) {
                return "unavailable: " + (s.getCause() != null ? describe(s.getCause()) : desc);
            }
            return s.getCode() + ": " + desc;
        }
        String msg = c.getMessage();
        if (msg == null && c.getCause() != null && c.getCause() != c) {
            return describe(c.getCause());
        }
        return c.getClass().getSimpleName() + (msg == null ? "" : ": " + shorten(msg));
    }

    private static String shorten(String msg) {
        String first = msg.lines().findFirst().orElse("");
        return first.length() > 200 ? first.substring(0, 200) + "..." : first;
    }
}
