package io.etcdops.charts;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every job's and every subcommand's --help renders as written. A description is a format string: a lone '%' (as in
 * "0.6% of the db") makes picocli print a warning on stderr and show the text without its line breaks, which the
 * exit code and stdout of --help do not reveal.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() throws Exception {
        List<String> problems = new ArrayList<>();
        int rendered = 0;
        for (String image : JobCli.IMAGES) {
            Object command = Class.forName(JobCli.mainClass(image)).getDeclaredConstructor().newInstance();
            for (CommandLine cl : commandTree(new CommandLine(command))) {
                String name = cl.getCommandSpec().qualifiedName();
                String warnings = stderrOf(cl::getUsageMessage);
                rendered++;
                if (!warnings.isBlank()) {
                    problems.add(name + ": " + warnings.lines().findFirst().orElse(""));
                }
            }
        }
        assertThat(rendered).as("commands rendered").isGreaterThan(JobCli.IMAGES.size());
        assertThat(problems).isEmpty();
    }

    private static List<CommandLine> commandTree(CommandLine root) {
        List<CommandLine> all = new ArrayList<>(List.of(root));
        for (CommandLine sub : root.getSubcommands().values()) {
            if (!all.contains(sub)) {
                all.addAll(commandTree(sub));
            }
        }
        return all;
    }

    private static String stderrOf(Runnable r) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
