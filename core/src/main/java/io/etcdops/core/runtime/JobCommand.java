package io.etcdops.core.runtime;

import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * Base of every job command that ends with a report: common options (--output-dir, logging) and the report come
 * from here; a subclass only does its work in {@link #run(JobReport)}. On success the report is finished here with
 * exit 0; on failure {@link JobRunner} finishes it with the error and the exit code.
 */
public abstract class JobCommand implements Callable<Integer>, ReportingCommand {

    @Mixin
    protected CommonOptions common;

    private final JobReport report;

    protected JobCommand(String jobName) {
        this.report = new JobReport(jobName);
    }

    protected abstract void run(JobReport report) throws Exception;

    @Override
    public final Integer call() throws Exception {
        run(report);
        report.finish(ExitCode.OK, null, common.outputDir, common.out());
        return ExitCode.OK.code();
    }

    @Override
    public JobReport report() {
        return report;
    }

    @Override
    public CommonOptions common() {
        return common;
    }
}
