package io.etcdops.replacer;

import io.etcdops.core.runtime.JobCommand;
import io.etcdops.core.runtime.FileTrees;
import io.etcdops.core.runtime.JobException;
import io.etcdops.core.runtime.JobReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code wipe-data-dir}: the seed pod's init container. Empties etcd's data (and WAL) dir on the volume of a replica
 * whose member has already been removed from the cluster, so the seed's etcd joins as a new member. The directories
 * themselves stay (one may be the volume's mount point), and so does a file system's {@code lost+found}.
 */
@Command(name = "wipe-data-dir", mixinStandardHelpOptions = true,
        description = "Empty etcd data/WAL directories (used by member-replacer's seed pod; not meant to be run by hand).")
public final class WipeDataDirCommand extends JobCommand {
    private static final Logger LOG = LoggerFactory.getLogger(WipeDataDirCommand.class);

    @Option(names = "--dir", paramLabel = "DIR", required = true, description = "A directory to empty (repeatable).")
    List<Path> dirs;

    public WipeDataDirCommand() {
        super("member-replacer wipe-data-dir");
    }

    @Override
    protected void run(JobReport report) throws IOException {
        List<String> wiped = new ArrayList<>();
        for (Path dir : dirs) {
            Path abs = dir.toAbsolutePath().normalize();
            if (abs.getParent() == null) {
                throw JobException.usage("refusing to wipe " + abs);
            }
            int removed = wipe(abs);
            LOG.info("emptied {} ({} entries removed)", abs, removed);
            wiped.add(abs.toString());
        }
        report.put("wiped", wiped);
    }

    /** Deletes everything inside {@code dir} except {@code lost+found}; returns how many top-level entries went. */
    static int wipe(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            return 0;
        }
        int n = 0;
        try (Stream<Path> children = Files.list(dir)) {
            for (Path c : children.toList()) {
                if (c.getFileName().toString().equals("lost+found")) {
                    continue;
                }
                FileTrees.delete(c);
                n++;
            }
        }
        return n;
    }
}
