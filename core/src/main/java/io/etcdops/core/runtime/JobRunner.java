package io.etcdops.core.runtime;

import io.etcdops.core.etcd.EtcdErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * Runs a job's picocli command and maps every outcome to the documented exit codes: picocli usage errors -> 2,
 * {@link JobException} -> its code with one ERROR line, anything else -> 1 with one line (stack trace at debug).
 * Commands that implement {@link ReportingCommand} get their report finished here, whatever happened.
 */
public final class JobRunner {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private JobRunner() {
    }

    /** For main(): runs and exits the JVM with the job's exit code. */
    public static void main(Object command, String[] args) {
        // built first, while memory is low: built at the end of a 1 GiB S3 backup instead (with the SDK's last
        // models and the bbolt check's tree walk) it raised the peak RSS from 144-157 to 145-169 MiB (4 runs each)
        Json.mapper();
        System.exit(run(command, args, System.out, System.err));
    }

    public static int run(Object command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(command, out, err);
        return cl.execute(args);
    }

    public static CommandLine commandLine(Object command, PrintStream out, PrintStream err) {
        useJdkNameResolution();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(120);
        cl.setUsageHelpLongOptionsMaxWidth(36);
        cl.setExecutionStrategy(parseResult -> {
            CommandLine.ParseResult leaf = parseResult;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            CommonOptions common = findCommon(leaf);
            if (common != null) {
                common.out(out);
                try {
                    Logging.configure(common.logFormat, common.logLevel);
                } catch (JobException e) {
                    err.println("error: " + e.getMessage());
                    return ExitCode.USAGE.code();
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("error: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.USAGE.code();
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> handleFailure(ex, c, parseResult, out, err));
        return cl;
    }

    /**
     * Vert.x, jetcd's transport, resolves host names through the JDK (getaddrinfo: /etc/hosts, resolv.conf search
     * domains) like every other client in the jobs. Its own Netty DNS resolver is not shipped (parent pom); without this
     * property Vert.x would still fall back to the JDK, after a failed class load and an INFO line in every job's log.
     */
    static void useJdkNameResolution() {
        if (System.getProperty(VERTX_DISABLE_DNS_RESOLVER) == null) {
            System.setProperty(VERTX_DISABLE_DNS_RESOLVER, "true");
        }
    }

    static final String VERTX_DISABLE_DNS_RESOLVER = "vertx.disableDnsResolver";

    private static int handleFailure(Exception ex, CommandLine c, CommandLine.ParseResult pr, PrintStream out, PrintStream err) {
        ExitCode code;
        String message;
        if (ex instanceof JobException je) {
            code = je.exitCode();
            message = je.getMessage();
        } else {
            code = ExitCode.FAILED;
            message = EtcdErrors.describe(ex);
        }
        LOG.error("{}", message);
        LOG.debug("stack trace", ex);
        Object cmd = c.getCommandSpec().userObject();
        if (cmd instanceof ReportingCommand rc && rc.report() != null) {
            CommonOptions common = findCommon(pr);
            rc.report().finish(code, message, common == null ? null : common.outputDir, out);
        }
        return code.code();
    }

    private static CommonOptions findCommon(CommandLine.ParseResult pr) {
        CommandLine.ParseResult leaf = pr;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        for (var m : leaf.commandSpec().mixins().values()) {
            if (m.userObject() instanceof CommonOptions co) {
                return co;
            }
        }
        Object uo = leaf.commandSpec().userObject();
        if (uo instanceof ReportingCommand rc) {
            return rc.common();
        }
        return null;
    }
}
