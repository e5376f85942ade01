package io.etcdops.core.runtime;

import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** Options every job has: where output files go and how to log. */
public class CommonOptions {

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = "${env:ETCD_OPS_OUTPUT_DIR}",
            description = "Write one file per report value here (for Argo outputs.parameters) (env ETCD_OPS_OUTPUT_DIR).")
    public Path outputDir;

    @Option(names = "--log-format", paramLabel = "plain|json", defaultValue = "${env:ETCD_OPS_LOG_FORMAT:-plain}",
            description = "Log format on stderr (env ETCD_OPS_LOG_FORMAT; default ${DEFAULT-VALUE}).")
    public String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:ETCD_OPS_LOG_LEVEL:-info}",
            description = "debug, info, warn or error (env ETCD_OPS_LOG_LEVEL; default ${DEFAULT-VALUE}).")
    public String logLevel;

    /**
     * Where the report (and any table) goes: the stream {@link JobRunner} was given, so a caller that runs a job
     * in-process with its own streams gets the report there. System.out until the runner sets it.
     */
    private PrintStream out = System.out;

    public PrintStream out() {
        return out;
    }

    void out(PrintStream stream) {
        this.out = stream;
    }
}
