package io.etcdops.upgrade;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code --rewrite-flags}: the etcd container's args and {@code ETCD_*} env written in the names the target minor
 * knows, keeping every value. Up to 3.6 or 3.7: each {@code --experimental-X} that 3.6 renamed becomes {@code --X}, the
 * experimental booleans become one {@code --feature-gates} (merged with one already there; a gate already set wins, as
 * etcd refuses both), {@code --enable-v2=false} and {@code --proxy=off} (and the proxy's timing flags, without effect
 * when it is off) are dropped; {@code ETCD_EXPERIMENTAL_*} and {@code ETCD_FEATURE_GATES} likewise. Down to 3.5 the
 * same in reverse where 3.5 has the experimental name. Anything that switches v2 or the proxy on is left as it is:
 * {@link FlagChanges} refuses it. Only {@code args} and {@code env} are rewritten, never {@code command}.
 */
final class FlagRewrite {

    /** The rewritten container settings and one line per change (empty: nothing to rewrite). */
    record Result(List<String> args, List<EnvVar> env, List<String> changes) {
        boolean changed() {
            return !changes.isEmpty();
        }
    }

    private static final List<String> PROXY_TIMINGS = List.of("proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout",
            "proxy-write-timeout", "proxy-read-timeout");

    private FlagRewrite() {
    }

    static Result rewrite(Container c, EtcdVersion to) {
        boolean up = !(to.major() == 3 && to.minor() <= 5);
        List<String> changes = new ArrayList<>();
        List<String> args = rewriteArgs(c.getArgs() == null ? List.of() : c.getArgs(), up, changes);
        List<EnvVar> env = rewriteEnv(c.getEnv() == null ? List.of() : c.getEnv(), up, changes);
        return new Result(args, env, changes);
    }

    private static List<String> rewriteArgs(List<String> in, boolean up, List<String> changes) {
        List<String[]> flags = new ArrayList<>();  // {token(s) as written, name, value or null}
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
                flags.add(new String[] {a, null, null});
                continue;
            }
            String body = a.replaceFirst("^--?", "");
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            String value = eq < 0 ? null : body.substring(eq + 1);
            String written = a;
            if (value == null && !ExperimentalFlags.BOOLEANS.contains(name) && i + 1 < in.size() && !in.get(i + 1).startsWith("-")) {
                value = in.get(++i);
                written = a + " " + value;
            }
            flags.add(new String[] {written, name, value});
        }
        Map<String, String> gates = new LinkedHashMap<>();
        flags.stream().filter(f -> "feature-gates".equals(f[1])).forEach(f -> gates.putAll(parseGates(f[2])));
        boolean proxyOn = flags.stream().anyMatch(f -> "proxy".equals(f[1]) && f[2] != null && !f[2].equalsIgnoreCase("off"));
        List<String> out = new ArrayList<>();
        int gatesAt = -1;
        for (String[] f : flags) {
            String name = f[1];
            String value = f[2];
            if (name == null) {
                out.add(f[0]);
            } else if (name.equals("feature-gates")) {
                if (gatesAt < 0) {
                    gatesAt = out.size();
                    out.add("");
                }
            } else if (up && ExperimentalFlags.RENAMED.containsKey(name)) {
                String now = "--" + ExperimentalFlags.RENAMED.get(name) + (value == null ? "" : "=" + value);
                out.add(now);
                changes.add(f[0] + " -> " + now);
            } else if (up && ExperimentalFlags.GATES.containsKey(name)) {
                String gate = ExperimentalFlags.GATES.get(name);
                gates.putIfAbsent(gate, ExperimentalFlags.booleanValue(value));
                changes.add(f[0] + " -> --feature-gates " + gate + "=" + gates.get(gate));
            } else if (up && (name.equals("enable-v2") && "false".equalsIgnoreCase(ExperimentalFlags.booleanValue(value))
                    || name.equals("proxy") && "off".equalsIgnoreCase(value) || PROXY_TIMINGS.contains(name) && !proxyOn)) {
                changes.add(f[0] + " dropped (v2 " + (name.startsWith("proxy") ? "proxy" : "API") + " off; the flag is gone in 3.6)");
            } else if (!up && ExperimentalFlags.RENAMED.containsValue(name) && ExperimentalFlags.experimentalFor35(name) != null) {
                String back = "--" + ExperimentalFlags.experimentalFor35(name) + (value == null ? "" : "=" + value);
                out.add(back);
                changes.add(f[0] + " -> " + back);
            } else {
                out.add(f[0]);
            }
        }
        if (!up) {
            for (var g : new ArrayList<>(gates.entrySet())) {
                String back = ExperimentalFlags.experimentalForGate(g.getKey());
                if (back != null) {
                    out.add("--" + back + "=" + g.getValue());
                    changes.add("--feature-gates " + g.getKey() + "=" + g.getValue() + " -> --" + back + "=" + g.getValue());
                    gates.remove(g.getKey());
                }
            }
        }
        if (!gates.isEmpty()) {
            String merged = "--feature-gates=" + join(gates);
            if (gatesAt >= 0) {
                out.set(gatesAt, merged);
            } else {
                out.add(merged);
            }
        } else if (gatesAt >= 0) {
            out.remove(gatesAt);
        }
        return out;
    }

    private static List<EnvVar> rewriteEnv(List<EnvVar> in, boolean up, List<String> changes) {
        Map<String, String> gates = new LinkedHashMap<>();
        EnvVar gatesVar = in.stream().filter(e -> e.getName().equals("ETCD_FEATURE_GATES") && e.getValueFrom() == null).findFirst().orElse(null);
        if (gatesVar != null) {
            gates.putAll(parseGates(gatesVar.getValue()));
        }
        List<EnvVar> out = new ArrayList<>();
        for (EnvVar e : in) {
            String name = e.getName();
            String flag = name.startsWith("ETCD_") ? name.substring(5).toLowerCase(java.util.Locale.ROOT).replace('_', '-') : "";
            if (e == gatesVar) {
                continue;
            }
            if (up && ExperimentalFlags.RENAMED.containsKey(flag)) {
                String now = FlagChanges.asEnv("--" + ExperimentalFlags.RENAMED.get(flag));
                out.add(new EnvVarBuilder(e).withName(now).build());
                changes.add(name + " -> " + now);
            } else if (up && ExperimentalFlags.GATES.containsKey(flag) && e.getValueFrom() == null) {
                String gate = ExperimentalFlags.GATES.get(flag);
                gates.putIfAbsent(gate, ExperimentalFlags.booleanValue(e.getValue()));
                changes.add(name + "=" + e.getValue() + " -> ETCD_FEATURE_GATES " + gate + "=" + gates.get(gate));
            } else if (up && e.getValueFrom() == null && (flag.equals("enable-v2") && "false".equalsIgnoreCase(e.getValue())
                    || flag.equals("proxy") && "off".equalsIgnoreCase(e.getValue()))) {
                changes.add(name + "=" + e.getValue() + " dropped (off; the setting is gone in 3.6)");
            } else if (!up && ExperimentalFlags.experimentalFor35(flag) != null) {
                String back = FlagChanges.asEnv("--" + ExperimentalFlags.experimentalFor35(flag));
                out.add(new EnvVarBuilder(e).withName(back).build());
                changes.add(name + " -> " + back);
            } else {
                out.add(e);
            }
        }
        if (!up) {
            for (var g : new ArrayList<>(gates.entrySet())) {
                String back = ExperimentalFlags.experimentalForGate(g.getKey());
                if (back != null) {
                    String var = FlagChanges.asEnv("--" + back);
                    out.add(new EnvVarBuilder().withName(var).withValue(g.getValue()).build());
                    changes.add("ETCD_FEATURE_GATES " + g.getKey() + "=" + g.getValue() + " -> " + var + "=" + g.getValue());
                    gates.remove(g.getKey());
                }
            }
        }
        if (!gates.isEmpty()) {
            out.add(new EnvVarBuilder().withName("ETCD_FEATURE_GATES").withValue(join(gates)).build());
        }
        return out;
    }

    static Map<String, String> parseGates(String value) {
        Map<String, String> m = new LinkedHashMap<>();
        if (value == null) {
            return m;
        }
        for (String part : value.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            m.put(eq < 0 ? p : p.substring(0, eq).trim(), eq < 0 ? "true" : p.substring(eq + 1).trim());
        }
        return m;
    }

    private static String join(Map<String, String> gates) {
        return gates.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
