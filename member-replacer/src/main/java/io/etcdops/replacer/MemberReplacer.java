package io.etcdops.replacer;

import io.etcdops.core.etcd.EtcdConnectionOptions;
import io.etcdops.core.runtime.CommonOptions;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobRunner;
import io.etcdops.core.runtime.ToolVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/** member-replacer: placeholder with a working --help until its issue lands. */
@Command(name = "member-replacer", mixinStandardHelpOptions = true, versionProvider = ToolVersion.class,
        description = "Replaces a failed etcd member safely, one at a time (not implemented yet: see the project's issues).",
        footer = {"%nExit codes:", "  0  done", "  1  operation failed", "  2  usage or configuration error",
                "  3  refused for safety", "  4  verification failed"})
public final class MemberReplacer implements Callable<Integer> {

    @Mixin
    EtcdConnectionOptions etcd;

    @Mixin
    CommonOptions common;

    public static void main(String[] args) {
        JobRunner.main(new MemberReplacer(), args);
    }

    @Override
    public Integer call() {
        throw JobException.failed("member-replacer is not implemented yet");
    }
}
