package io.etcdops.core.runtime;

/**
 * A command whose run ends with a {@link JobReport}. On success the command finishes its report itself; on failure
 * {@link JobRunner} finishes it with the error and exit code, so a report line is printed whatever happened.
 */
public interface ReportingCommand {
    JobReport report();

    CommonOptions common();
}
