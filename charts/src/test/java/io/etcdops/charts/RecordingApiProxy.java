package io.etcdops.charts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reverse proxy in front of the simulation's API server that records every request a job makes, turned into the
 * RBAC terms a Role would need to allow it: (API group, resource[/subresource], verb, namespace). The mock API server
 * enforces no RBAC, so this is how the chart's Roles are checked against what the jobs really do.
 */
final class RecordingApiProxy implements AutoCloseable {

    /** One permission a request needs. */
    record Permission(String namespace, String group, String resource, String name, String verb) implements Comparable<Permission> {
        @Override
        public int compareTo(Permission o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return namespace + ":" + (group.isEmpty() ? "core" : group) + "/" + resource + (name == null ? "" : "[" + name + "]") + ":" + verb;
        }
    }

    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "te", "trailer", "http2-settings");
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Permission> permissions = new CopyOnWriteArrayList<>();

    RecordingApiProxy(String targetUrl) throws IOException {
        this.target = URI.create(targetUrl);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "api-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    /** Every permission recorded, de-duplicated. */
    Set<Permission> permissions() {
        return new TreeSet<>(permissions);
    }

    private void forward(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        URI uri = ex.getRequestURI();
        requests.add(method + " " + uri);
        permission(method, uri.getRawPath(), uri.getRawQuery());
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((k, vs) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase())) {
                    vs.forEach(v -> b.header(k, v));
                }
            });
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            r.headers().map().forEach((k, vs) -> {
                if (!HOP_HEADERS.contains(k.toLowerCase()) && !k.startsWith(":")) {
                    ex.getResponseHeaders().put(k, vs);
                }
            });
            long length = r.headers().firstValueAsLong("content-length").orElse(0);
            ex.sendResponseHeaders(r.statusCode(), r.statusCode() == 204 || method.equals("HEAD") ? -1 : length == 0 ? 0 : length);
            try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendResponseHeaders(502, -1);
        } catch (IOException e) {
            ex.close();
        }
    }

    private void permission(String method, String path, String query) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            permissions.add(new Permission("-", "-", path, null, method)); // discovery and the like: shows up as unexpected
            return;
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String ns = m.group(2) == null ? "*" : m.group(2);
        String resource = m.group(3);
        String name = m.group(4);
        String sub = m.group(5);
        boolean watch = query != null && query.contains("watch=true");
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> method.toLowerCase();
        };
        permissions.add(new Permission(ns, group, sub == null ? resource : resource + "/" + sub, name, verb));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
