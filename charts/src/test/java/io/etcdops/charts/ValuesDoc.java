package io.etcdops.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * values.yaml read as text, the way a reader sees it: every key with its dotted path and whether a "# --" comment
 * documents it. A documented key is one value (its children, e.g. a default securityContext, belong to it).
 */
final class ValuesDoc {

    record Key(String path, boolean documented, boolean hasChildren) {
    }

    private static final Pattern KEY = Pattern.compile("^( *)([A-Za-z][A-Za-z0-9]*):(.*)$");

    private ValuesDoc() {
    }

    static List<Key> keys(Path valuesYaml) {
        List<String> lines;
        try {
            lines = Files.readAllLines(valuesYaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Key> keys = new LinkedHashMap<>();
        Deque<int[]> indents = new ArrayDeque<>();
        Deque<String> names = new ArrayDeque<>();
        boolean documentedComment = false;
        boolean inComment = false;
        List<String> order = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("#")) {
                if (!inComment) {
                    documentedComment = false;
                }
                inComment = true;
                documentedComment |= t.startsWith("# --");
                continue;
            }
            boolean commentAbove = inComment && documentedComment;
            inComment = false;
            documentedComment = false;
            Matcher m = KEY.matcher(line);
            if (t.isEmpty() || !m.matches()) {
                continue;
            }
            int indent = m.group(1).length();
            while (!indents.isEmpty() && indents.peek()[0] >= indent) {
                indents.pop();
                names.pop();
            }
            List<String> parts = new ArrayList<>(names);
            java.util.Collections.reverse(parts);
            parts.add(m.group(2));
            String path = String.join(".", parts);
            if (!names.isEmpty()) {
                String parent = String.join(".", parts.subList(0, parts.size() - 1));
                Key p = keys.get(parent);
                keys.put(parent, new Key(p.path(), p.documented(), true));
            }
            keys.put(path, new Key(path, commentAbove, false));
            order.add(path);
            indents.push(new int[] {indent});
            names.push(m.group(2));
        }
        return order.stream().map(keys::get).toList();
    }

    /** The documented values: documented keys, without the keys inside them. */
    static List<String> documentedValues(Path valuesYaml) {
        List<Key> all = keys(valuesYaml);
        List<String> values = new ArrayList<>();
        for (Key k : all) {
            if (k.documented() && values.stream().noneMatch(v -> k.path().startsWith(v + "."))) {
                values.add(k.path());
            }
        }
        return values;
    }

    /** Leaf keys that no "# --" comment covers (neither on the key nor on an ancestor). */
    static List<String> undocumentedLeaves(Path valuesYaml) {
        List<String> documented = documentedValues(valuesYaml);
        return keys(valuesYaml).stream().filter(k -> !k.hasChildren())
                .map(Key::path)
                .filter(p -> documented.stream().noneMatch(d -> p.equals(d) || p.startsWith(d + ".")))
                .toList();
    }
}
