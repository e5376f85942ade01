package io.etcdops.core.runtime;

/** The exit codes every etcd-ops job documents in its --help (docs/design.md). */
public enum ExitCode {
    OK(0, "done"),
    FAILED(1, "operation failed"),
    USAGE(2, "usage or configuration error"),
    REFUSED(3, "refused for safety (quorum at risk, cluster unhealthy, precondition unmet)"),
    VERIFICATION_FAILED(4, "verification failed (corrupt or mismatched snapshot)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The "Exit codes" section for picocli's --help footer. */
    public static String helpSection() {
        StringBuilder sb = new StringBuilder("%nExit codes:%n");
        for (ExitCode c : values()) {
            sb.append(String.format("  %d  %s%%n", c.code, c.meaning));
        }
        return sb.toString();
    }
}
