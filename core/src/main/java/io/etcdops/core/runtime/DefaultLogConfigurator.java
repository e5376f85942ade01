package io.etcdops.core.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration until a job applies its --log-format and --log-level: plain INFO lines on stderr, set in
 * code (registered in META-INF/services). Without it logback parses an XML file, which loads about 450 classes of its
 * XML configurator into every job: ~2 MiB of memory and 50-100 ms of start. An operator's own file still wins:
 * with {@code -Dlogback.configurationFile=...} (or a logback-test.xml on a test classpath) logback's XML
 * configurator runs as usual.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || DefaultLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        Logging.apply(context, false, Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
