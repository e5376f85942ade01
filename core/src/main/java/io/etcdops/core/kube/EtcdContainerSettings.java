package io.etcdops.core.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The etcd settings a container spec gives, read the way etcd reads them: command-line flags ({@code --data-dir=X},
 * {@code --data-dir X}, {@code -data-dir=X}) win over {@code ETCD_*} environment variables ({@code ETCD_DATA_DIR}).
 * Kubernetes' {@code $(VAR)} references to literal env values are expanded; references to downward-API or Secret
 * values stay as written (they differ per pod), which is enough to read schemes, ports and paths.
 */
public final class EtcdContainerSettings {
    /** How the container passes its settings to etcd. */
    public enum Style {
        /** Command-line flags (etcd's docs, the etcd-io operator). */
        FLAGS,
        /** {@code ETCD_*} environment variables (the Bitnami chart). */
        ENV,
        /** Some of each. */
        MIXED
    }

    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Set<String> BOOLEAN_FLAGS = Set.of("client-cert-auth", "peer-client-cert-auth", "auto-tls",
            "peer-auto-tls", "strict-reconfig-check", "enable-v2", "enable-pprof", "force-new-cluster");

    private final Map<String, String> flags;
    private final Map<String, String> env;

    private EtcdContainerSettings(Map<String, String> flags, Map<String, String> env) {
        this.flags = flags;
        this.env = env;
    }

    public static EtcdContainerSettings of(Container c) {
        Map<String, String> literals = new LinkedHashMap<>();
        Map<String, String> etcdEnv = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() != null) {
                literals.remove(e.getName());
                continue;
            }
            String v = expand(e.getValue() == null ? "" : e.getValue(), literals);
            literals.put(e.getName(), v);
            if (e.getName().startsWith("ETCD_") && !e.getName().startsWith("ETCDCTL_")) {
                etcdEnv.put(e.getName().substring(5).toLowerCase(Locale.ROOT).replace('_', '-'), v);
            }
        }
        List<String> argv = new ArrayList<>(c.getCommand());
        argv.addAll(c.getArgs());
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < argv.size(); i++) {
            String a = expand(argv.get(i), literals);
            if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
                continue;
            }
            String body = a.replaceFirst("^--?", "");
            int eq = body.indexOf('=');
            if (eq >= 0) {
                flags.put(body.substring(0, eq), body.substring(eq + 1));
            } else if (BOOLEAN_FLAGS.contains(body)) {
                flags.put(body, "true");
            } else if (i + 1 < argv.size() && !argv.get(i + 1).startsWith("-")) {
                flags.put(body, expand(argv.get(++i), literals));
            } else {
                flags.put(body, "true");
            }
        }
        return new EtcdContainerSettings(flags, etcdEnv);
    }

    /** The setting by etcd's flag name without dashes, e.g. {@code data-dir}: the flag, else the env variable. */
    public Optional<String> get(String name) {
        String f = flags.get(name);
        if (f != null) {
            return Optional.of(f);
        }
        return Optional.ofNullable(env.get(name));
    }

    public boolean isTrue(String name) {
        return get(name).map(v -> v.equalsIgnoreCase("true")).orElse(false);
    }

    /** Where the setting comes from, as a user would look for it: {@code --data-dir} or {@code ETCD_DATA_DIR}. */
    public String sourceOf(String name) {
        if (flags.containsKey(name) || !env.containsKey(name)) {
            return "--" + name;
        }
        return envName(name);
    }

    /** Both spellings, for messages about a missing setting: {@code --data-dir (ETCD_DATA_DIR)}. */
    public static String spellings(String name) {
        return "--" + name + " (" + envName(name) + ")";
    }

    public Style style() {
        boolean hasFlags = flags.keySet().stream().anyMatch(EtcdContainerSettings::isServerSetting);
        boolean hasEnv = env.keySet().stream().anyMatch(EtcdContainerSettings::isServerSetting);
        if (hasFlags && hasEnv) {
            return Style.MIXED;
        }
        return hasEnv ? Style.ENV : Style.FLAGS;
    }

    /** True when the container configures an etcd server at all (a data dir, a name, URLs). */
    public boolean configuresEtcd() {
        return flags.keySet().stream().anyMatch(EtcdContainerSettings::isServerSetting)
                || env.keySet().stream().anyMatch(EtcdContainerSettings::isServerSetting);
    }

    private static boolean isServerSetting(String name) {
        return name.equals("data-dir") || name.equals("name") || name.startsWith("listen-") || name.startsWith("advertise-")
                || name.startsWith("initial-");
    }

    static String envName(String name) {
        return "ETCD_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    static String expand(String s, Map<String, String> vars) {
        Matcher m = VAR_REF.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(vars.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(sb);
        return sb.toString().replace("$$", "$");
    }
}
