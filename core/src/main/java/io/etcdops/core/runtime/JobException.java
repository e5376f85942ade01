package io.etcdops.core.runtime;

/**
 * A failure that ends a job with a specific exit code and a one-line message. The message is what the user sees:
 * it says what went wrong and, where possible, what to do.
 */
public class JobException extends RuntimeException {
    private final ExitCode exitCode;

    public JobException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public JobException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public static JobException usage(String message) {
        return new JobException(ExitCode.USAGE, message);
    }

    public static JobException failed(String message, Throwable cause) {
        return new JobException(ExitCode.FAILED, message, cause);
    }

    public static JobException failed(String message) {
        return new JobException(ExitCode.FAILED, message);
    }

    public static JobException refused(String message) {
        return new JobException(ExitCode.REFUSED, message);
    }

    public static JobException verification(String message) {
        return new JobException(ExitCode.VERIFICATION_FAILED, message);
    }

    public static JobException verification(String message, Throwable cause) {
        return new JobException(ExitCode.VERIFICATION_FAILED, message, cause);
    }
}
