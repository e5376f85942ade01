package io.etcdops.core.etcd;

import io.etcdops.core.runtime.JobException;
import picocli.CommandLine;

/** Test-only main: parses the connection options from real argv + environment and prints the resolved config. */
public final class ConfigEcho {
    @CommandLine.Command(name = "config-echo")
    static final class Cmd implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Mixin
        EtcdConnectionOptions etcd;

        @Override
        public Integer call() {
            try {
                System.out.println(etcd.toConfig());
                return 0;
            } catch (JobException e) {
                System.out.println("error: " + e.getMessage());
                return e.exitCode().code();
            }
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cmd()).execute(args));
    }
}
