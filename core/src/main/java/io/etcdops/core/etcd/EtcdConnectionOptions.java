package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The etcd connection flags every job shares (a picocli mixin). Defaults come from etcdctl's environment variables
 * so a shell or Pod that already works with etcdctl works with etcd-ops. Passwords never come from a flag that would
 * be echoed in logs: use ETCDCTL_PASSWORD, --password-file, or etcdctl's --user NAME:PASSWORD form.
 */
public class EtcdConnectionOptions {

    @Option(names = "--endpoints", paramLabel = "URLS", defaultValue = "${env:ETCDCTL_ENDPOINTS:-http://127.0.0.1:2379}",
            description = "Comma-separated etcd client URLs (env ETCDCTL_ENDPOINTS; default ${DEFAULT-VALUE}).")
    String endpoints;

    @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:ETCDCTL_CACERT}",
            description = "CA bundle to verify the servers' certificates (env ETCDCTL_CACERT).")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "${env:ETCDCTL_CERT}",
            description = "Client certificate for mutual TLS (env ETCDCTL_CERT).")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", defaultValue = "${env:ETCDCTL_KEY}",
            description = "Client private key, PEM (PKCS#8 or PKCS#1) (env ETCDCTL_KEY).")
    Path key;

    @Option(names = "--user", paramLabel = "NAME[:PASSWORD]", defaultValue = "${env:ETCDCTL_USER}",
            description = "etcd user, optionally NAME:PASSWORD as etcdctl accepts (env ETCDCTL_USER).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", defaultValue = "${env:ETCD_OPS_PASSWORD_FILE}",
            description = "File holding the etcd password, e.g. a mounted Secret (env ETCD_OPS_PASSWORD_FILE; "
                    + "env ETCDCTL_PASSWORD is also read).")
    Path passwordFile;

    @Option(names = "--dial-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCDCTL_DIAL_TIMEOUT:-5s}",
            description = "Time to establish a connection (env ETCDCTL_DIAL_TIMEOUT; default ${DEFAULT-VALUE}).")
    String dialTimeout;

    @Option(names = "--command-timeout", paramLabel = "DURATION", defaultValue = "${env:ETCDCTL_COMMAND_TIMEOUT:-10s}",
            description = "Timeout of one short etcd request (env ETCDCTL_COMMAND_TIMEOUT; default ${DEFAULT-VALUE}).")
    String commandTimeout;

    /** Reads ETCDCTL_PASSWORD from the real environment; tests use {@link #toConfig(java.util.function.Function)}. */
    public EtcdConnectionConfig toConfig() {
        return toConfig(System::getenv);
    }

    public EtcdConnectionConfig toConfig(java.util.function.Function<String, String> env) {
        String u = blankToNull(user);
        String pw = null;
        if (u != null && u.contains(":")) {
            pw = u.substring(u.indexOf(':') + 1);
            u = u.substring(0, u.indexOf(':'));
        }
        if (pw == null && passwordFile != null) {
            try {
                pw = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw JobException.usage("--password-file " + passwordFile + ": cannot read (" + e.getMessage() + ")");
            }
        }
        if (pw == null) {
            pw = blankToNull(env.apply("ETCDCTL_PASSWORD"));
        }
        return new EtcdConnectionConfig(
                EtcdConnectionConfig.parseEndpoints(endpoints), caCert, cert, key, u, pw,
                Durations.parse(dialTimeout, "--dial-timeout"), Durations.parse(commandTimeout, "--command-timeout"))
                .validated();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
