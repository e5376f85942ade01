package io.etcdops.charts;

import io.etcdops.testkit.jobs.JobProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The jobs' real command lines: each image's main class (the module pom's main.class, which Jib makes the entrypoint)
 * run with --help in a child JVM. Whatever the chart or an example passes must appear in that text, so chart and CLI
 * cannot drift apart.
 */
final class JobCli {

    /** Image name (= Maven module) of every job. */
    static final List<String> IMAGES = List.of("backup-job", "restore-job", "member-replacer", "upgrader", "health-checker");

    /**
     * Variables the chart or an example may set that are not CLI options, each read by something else in the image.
     * Anything else must be named in the job's --help.
     */
    static final Map<String, String> NON_CLI_ENV = Map.of(
            "JAVA_TOOL_OPTIONS", "read by the JVM",
            "GOOGLE_APPLICATION_CREDENTIALS", "read by the Google SDK's default credentials chain (storage module)");

    private static final Map<String, String> HELP = new ConcurrentHashMap<>();
    private static final Pattern MAIN_CLASS = Pattern.compile("<main\\.class>([\\w.]+)</main\\.class>");
    private static final Pattern ENV = Pattern.compile("\\b(ETCDCTL_[A-Z_]+|ETCD_OPS_[A-Z0-9_]+|ETCD_[A-Z_]+)\\b");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9-]*)");

    private JobCli() {
    }

    static String mainClass(String image) {
        try {
            String pom = Files.readString(Project.root().resolve(image).resolve("pom.xml"));
            Matcher m = MAIN_CLASS.matcher(pom);
            if (!m.find()) {
                throw new AssertionError(image + "/pom.xml has no main.class");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** `<image> [subcommand] --help`, whitespace-normalized (picocli wraps long lines). */
    static String help(String image, List<String> subcommand) {
        String key = image + " " + String.join(" ", subcommand);
        return HELP.computeIfAbsent(key, k -> {
            List<String> args = new ArrayList<>(subcommand);
            args.add("--help");
            JobProcess.Result r = JobProcess.of(mainClass(image)).timeoutSeconds(120).run(args.toArray(String[]::new));
            if (r.exitCode() != 0) {
                throw new AssertionError(key + " --help exited " + r.exitCode() + ": " + r);
            }
            return r.stdout().replaceAll("\\s+", " ");
        });
    }

    /** The subcommand a container's args select: the leading args that do not start with '-'. */
    static List<String> subcommand(List<String> args) {
        List<String> sub = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("-")) {
                break;
            }
            sub.add(a);
        }
        return sub;
    }

    /** Options in args (--name or --name=value). */
    static Set<String> flags(List<String> args) {
        Set<String> flags = new LinkedHashSet<>();
        for (String a : args) {
            if (a.startsWith("--")) {
                flags.add(a.contains("=") ? a.substring(0, a.indexOf('=')) : a);
            }
        }
        return flags;
    }

    static boolean helpHasFlag(String help, String flag) {
        Matcher m = FLAG.matcher(help);
        while (m.find()) {
            if (m.group(1).equals(flag)) {
                return true;
            }
        }
        return false;
    }

    static boolean helpHasEnv(String help, String name) {
        Matcher m = ENV.matcher(help);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Problems: flags and env names given to a job that its --help does not know. */
    static List<String> unknownTo(String image, List<String> args, List<String> envNames) {
        List<String> sub = subcommand(args);
        String help = help(image, sub);
        List<String> problems = new ArrayList<>();
        String where = image + (sub.isEmpty() ? "" : " " + String.join(" ", sub));
        for (String f : flags(args)) {
            if (!helpHasFlag(help, f)) {
                problems.add(where + ": option " + f + " is not in its --help");
            }
        }
        for (String e : envNames) {
            if (!NON_CLI_ENV.containsKey(e) && !helpHasEnv(help, e)) {
                problems.add(where + ": env " + e + " is not in its --help");
            }
        }
        return problems;
    }

    /** The image name of an etcd-ops image reference (registry/name:tag), or null when it is not one. */
    static String imageName(String ref) {
        String noTag = ref.contains(":") && ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.substring(0, ref.lastIndexOf(':')) : ref;
        String name = noTag.substring(noTag.lastIndexOf('/') + 1);
        return IMAGES.contains(name) ? name : null;
    }
}
