package io.etcdops.core.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/** Logs go to stderr (stdout carries only the final JSON report): plain lines by default, JSON with --log-format json. */
public final class Logging {

    private Logging() {
    }

    public static void configure(String format, String level) {
        String fmt = format == null ? "plain" : format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("plain") && !fmt.equals("json")) {
            throw JobException.usage("--log-format must be plain or json, not '" + format + "'");
        }
        Level lvl = Level.toLevel(level == null ? "info" : level, null);
        if (lvl == null) {
            throw JobException.usage("--log-level must be debug, info, warn or error, not '" + level + "'");
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        apply(ctx, fmt.equals("json"), lvl);
    }

    /**
     * Replaces the context's configuration: one console appender on stderr (stdout is for the report), plain or
     * JSON lines, {@code level} for io.etcdops, WARN for everything else (INFO when debugging), gRPC, Netty and
     * jetcd at ERROR. Also the default before the options are read ({@link DefaultLogConfigurator}).
     */
    static void apply(LoggerContext ctx, boolean json, Level lvl) {
        ctx.reset();
        Encoder<ILoggingEvent> encoder;
        if (json) {
            JsonEncoder j = new JsonEncoder();
            j.setWithSequenceNumber(false);
            j.setWithNanoseconds(false);
            j.setWithContext(false);
            j.setWithArguments(false);
            j.setWithMessage(false);           // the raw pattern ("{}")
            j.setWithFormattedMessage(true);   // the message with its arguments
            j.setWithMDC(false);
            j.setWithKVPList(false);
            encoder = j;
        } else {
            PatternLayoutEncoder p = new PatternLayoutEncoder();
            p.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} %-5level %msg%n");
            encoder = p;
        }
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setTarget("System.err");
        out.setEncoder(encoder);
        out.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(out);
        ctx.getLogger("io.etcdops").setLevel(lvl);
        // Third-party libraries stay at WARN unless debugging.
        if (lvl.levelInt <= Level.DEBUG_INT) {
            root.setLevel(Level.INFO);
        }
        ctx.getLogger("io.grpc").setLevel(Level.ERROR);
        ctx.getLogger("io.netty").setLevel(Level.ERROR);
        ctx.getLogger("io.etcd.jetcd").setLevel(Level.ERROR);
    }
}
