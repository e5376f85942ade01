package io.etcdops.testkit.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl against a {@link ControlPlane}, as the admin. */
public final class Kubectl {
    private Kubectl() {
    }

    /** Runs {@code kubectl --kubeconfig <admin> ARGS...}; returns its output, or fails with it on a non-zero exit. */
    public static String run(ControlPlane cp, String... args) {
        List<String> cmd = new ArrayList<>(List.of(cp.kubectl().toString(), "--kubeconfig", cp.adminKubeconfig().toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " exited " + p.exitValue() + ": " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running kubectl", e);
        }
    }
}
