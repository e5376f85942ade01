package io.etcdops.upgrade;

import io.etcdops.core.kube.EtcdContainerSettings;

import java.util.ArrayList;
import java.util.List;

/**
 * The etcd server flags a new minor removed or renamed, checked against the etcd container before the first member
 * is touched. A <b>removed command-line flag</b> stops the new etcd at start ("flag provided but not defined": 3.5.30
 * for 3.4's flags, 3.6.16 for {@code --enable-v2} and {@code --proxy}, 3.7.3 for every {@code --experimental-*}), so
 * it is a problem that refuses the upgrade. A removed {@code ETCD_*} variable is ignored by etcd ("unrecognized
 * environment variable", and the member runs without the setting): for 3.5 that is a warning, as before; from 3.6 on
 * it is a problem too when the setting mattered (v2 switched on, any experimental setting), because the member would
 * come up silently different. A deprecated-but-accepted flag is a warning. {@link FlagRewrite} can rewrite what 3.6
 * renamed ({@code --rewrite-flags}). Going down to 3.5 (downgrade or rollback), the flags only 3.6 knows are problems.
 * Sources: etcd's upgrade guides, etcd 3.6.16's own migration maps ({@link ExperimentalFlags}) and diffs of
 * {@code etcd --help} of 3.4.23, 3.5.36, 3.6.16 and 3.7.3.
 */
public final class FlagChanges {

    /** What the check found: problems refuse the upgrade, warnings go into the report. */
    public record Findings(List<String> problems, List<String> warnings) {
    }

    private record Change(String flag, String value, String replacement, boolean removed) {
    }

    private FlagChanges() {
    }

    /** The changes that entering minor {@code 3.<minor>} brings. */
    private static List<Change> enteringMinor(int major, int minor) {
        List<Change> c = new ArrayList<>();
        if (major != 3) {
            return c;
        }
        switch (minor) {
            case 5 -> {
                c.add(new Change("debug", null, "--log-level=debug", true));
                c.add(new Change("log-package-levels", null, "--log-level (capnslog is gone in 3.5)", true));
                c.add(new Change("log-output", null, "--log-outputs", true));
                c.add(new Change("experimental-backend-bbolt-freelist-type", null, "--backend-bbolt-freelist-type", true));
                c.add(new Change("logger", "capnslog", "--logger=zap", true));
                c.add(new Change("enable-v2", null, "nothing: the v2 API is deprecated in 3.5 and removed in 3.6", false));
                c.add(new Change("experimental-enable-v2v3", null, "nothing: deprecated in 3.5, removed in 3.6", false));
            }
            case 6 -> {
                c.add(new Change("enable-v2", null, "nothing (the v2 API is gone; run 'etcdutl check v2store' first, see "
                        + "etcd's 3.6 upgrade guide)", true));
                c.add(new Change("experimental-enable-v2v3", null, "nothing (the v2 API is gone)", true));
                for (String p : List.of("proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout",
                        "proxy-write-timeout", "proxy-read-timeout")) {
                    c.add(new Change(p, null, "nothing (the v2 proxy is gone)", true));
                }
                for (String old : ExperimentalFlags.RENAMED.keySet()) {
                    c.add(new Change(old, null, "--" + ExperimentalFlags.RENAMED.get(old), false));
                }
                for (String old : ExperimentalFlags.GATES.keySet()) {
                    c.add(new Change(old, null, "--feature-gates=" + ExperimentalFlags.GATES.get(old) + "=<value>", false));
                }
            }
            case 7 -> {
                for (String old : ExperimentalFlags.RENAMED.keySet()) {
                    c.add(new Change(old, null, "--" + ExperimentalFlags.RENAMED.get(old), true));
                }
                for (String old : ExperimentalFlags.GATES.keySet()) {
                    c.add(new Change(old, null, "--feature-gates=" + ExperimentalFlags.GATES.get(old) + "=<value>", true));
                }
            }
            default -> {
            }
        }
        return c;
    }

    /**
     * Checks the container's settings for a change from {@code from} to {@code to}: up a minor (removed and renamed
     * flags), or down from 3.6 to 3.5 (flags 3.5 does not know). Patch changes and 3.7 -> 3.6 have nothing to check.
     */
    public static Findings check(EtcdContainerSettings settings, EtcdVersion from, EtcdVersion to) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (to.major() != from.major() || to.minor() == from.minor()) {
            return new Findings(problems, warnings);
        }
        if (to.minor() < from.minor()) {
            if (to.major() == 3 && to.minor() == 5 && from.minor() == 6) {
                checkDown35(settings, problems);
            }
            return new Findings(problems, warnings);
        }
        for (int minor = from.minor() + 1; minor <= to.minor(); minor++) {
            for (Change c : enteringMinor(to.major(), minor)) {
                var v = settings.get(c.flag());
                if (v.isEmpty() || (c.value() != null && !c.value().equalsIgnoreCase(v.get().trim()))) {
                    continue;
                }
                String source = settings.sourceOf(c.flag());
                boolean isEnv = !source.startsWith("--");
                String used = source + "=" + v.get();
                String minorText = to.major() + "." + minor;
                String replacement = c.replacement().replace("<value>", ExperimentalFlags.booleanValue(v.get()));
                if (c.removed() && !isEnv) {
                    problems.add(used + " is not accepted by etcd " + minorText + " (it would not start); use "
                            + replacement + " instead");
                } else if (c.removed() && minor >= 6 && matters(c.flag(), v.get())) {
                    problems.add(used + " is ignored by etcd " + minorText + " (it would run without the setting); use "
                            + (replacement.startsWith("--") ? asEnv(replacement) + " or " : "")
                            + replacement + " instead");
                } else if (c.removed()) {
                    warnings.add(used + " is ignored by etcd " + minorText + " (the setting was removed; replacement: " + replacement + ")");
                } else {
                    warnings.add(used + " is deprecated in etcd " + minorText + "; use " + replacement
                            + " (--rewrite-flags does it)");
                }
            }
        }
        if (to.major() == 3 && to.minor() == 6 && from.minor() == 5) {
            if (settings.get("snapshot-count").isEmpty()) {
                warnings.add("--snapshot-count is not set: its default drops from 100000 to 10000 in etcd 3.6");
            }
        }
        return new Findings(problems, warnings);
    }

    /** {@code --feature-gates=A=true} as the variable {@code ETCD_FEATURE_GATES=A=true}. */
    static String asEnv(String flag) {
        String body = flag.replaceFirst("^--", "");
        int eq = body.indexOf('=');
        String name = eq < 0 ? body : body.substring(0, eq);
        return "ETCD_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + (eq < 0 ? "" : body.substring(eq));
    }

    /** An ignored setting that changes what etcd does: any experimental one, v2 or the proxy switched on. */
    private static boolean matters(String flag, String value) {
        String v = value == null ? "" : value.trim().toLowerCase();
        return switch (flag) {
            case "enable-v2", "experimental-enable-v2v3" -> !v.equals("false");
            case "proxy" -> !v.equals("off");
            case "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout", "proxy-read-timeout" -> false;
            default -> true;
        };
    }

    private static void checkDown35(EtcdContainerSettings settings, List<String> problems) {
        List<String> only36 = new ArrayList<>(ExperimentalFlags.ONLY_SINCE_36);
        only36.addAll(ExperimentalFlags.RENAMED.values());
        only36.addAll(ExperimentalFlags.NOT_IN_35);
        for (String f : only36.stream().distinct().sorted().toList()) {
            var v = settings.get(f);
            if (v.isEmpty()) {
                continue;
            }
            String source = settings.sourceOf(f);
            String back = ExperimentalFlags.experimentalFor35(f);
            problems.add(source + "=" + v.get() + " is not known to etcd 3.5 ("
                    + (source.startsWith("--") ? "it would not start" : "it would run without the setting") + "); "
                    + (back != null ? "3.5 calls it --" + back + " (--rewrite-flags does it)"
                    : f.equals("feature-gates") ? "3.5 has experimental flags instead (--rewrite-flags rewrites the gates it can)"
                    : "remove it first"));
        }
    }
}
