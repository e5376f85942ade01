package io.etcdops.core.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultLogConfiguratorTest {

    @Test
    void isTheConfiguratorLogbackFindsAndSetsPlainInfoLinesOnStderr() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(DefaultLogConfigurator.class);
        LoggerContext ctx = new LoggerContext();
        DefaultLogConfigurator configurator = new DefaultLogConfigurator();
        configurator.setContext(ctx);

        assertThat(configurator.configure(ctx)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(ctx.getLogger("io.etcdops.backup").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(ctx.getLogger("io.grpc.netty").getEffectiveLevel()).isEqualTo(Level.ERROR);
        ConsoleAppender<?> appender = (ConsoleAppender<?>) root.iteratorForAppenders().next();
        assertThat(appender.getTarget()).isEqualTo("System.err");
        assertThat(appender.isStarted()).isTrue();
    }

    @Test
    void anOperatorsConfigurationFileIsLeftToLogback() {
        String before = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/etc/etcd-ops/logback.xml");
        try {
            LoggerContext ctx = new LoggerContext();
            assertThat(new DefaultLogConfigurator().configure(ctx)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            if (before == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", before);
            }
        }
    }
}
