package io.etcdops.testkit.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig file for one client-certificate user of the test control plane. */
final class Kubeconfig {

    private Kubeconfig() {
    }

    static Path write(Path file, URI server, Path ca, Path cert, Path key, String user) {
        String yaml = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s", certificate-authority: "%s"}
                users:
                - name: %s
                  user: {client-certificate: "%s", client-key: "%s"}
                contexts:
                - name: test
                  context: {cluster: test, user: %s, namespace: default}
                current-context: test
                """.formatted(server, ca, user, cert, key, user);
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
