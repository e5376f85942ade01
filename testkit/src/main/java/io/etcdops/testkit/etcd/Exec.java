package io.etcdops.testkit.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short command (etcdctl, etcdutl) and captures its output. */
public final class Exec {

    public record Result(int exitCode, String output) {
    }

    private Exec() {
    }

    /** Runs the command; a non-zero exit is an exception carrying the output. */
    public static String run(List<String> cmd, Duration timeout) {
        Result r = tryRun(cmd, timeout);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", cmd.subList(0, Math.min(cmd.size(), 1))) + " "
                    + String.join(" ", cmd.subList(Math.min(cmd.size(), 1), cmd.size())).replace(EtcdCluster.ROOT_PASSWORD, "***")
                    + " exited " + r.exitCode() + ": " + r.output().trim());
        }
        return r.output();
    }

    public static Result tryRun(List<String> cmd, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
