package io.etcdops.charts;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The Argo WorkflowTemplates in examples/argo, read into plain maps (Argo's CRD has no fabric8 model here). */
final class ArgoTemplates {

    static final String OUTPUT_DIR = "/etcd-ops/output";

    /** One container step of a WorkflowTemplate. */
    record Step(Path file, String template, Map<String, Object> container, List<Map<String, Object>> outputParameters) {

        String image() {
            return (String) container.get("image");
        }

        @SuppressWarnings("unchecked")
        List<String> command() {
            return (List<String>) container.getOrDefault("command", List.of());
        }

        @SuppressWarnings("unchecked")
        List<String> args() {
            return (List<String>) container.getOrDefault("args", List.of());
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> env() {
            return (List<Map<String, Object>>) container.getOrDefault("env", List.of());
        }

        List<String> envNames() {
            return env().stream().map(e -> (String) e.get("name")).toList();
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> volumeMounts() {
            return (List<Map<String, Object>>) container.getOrDefault("volumeMounts", List.of());
        }

        /** Output files read with valueFrom.path, by parameter name. */
        @SuppressWarnings("unchecked")
        Map<String, String> outputPaths() {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (Map<String, Object> p : outputParameters) {
                Map<String, Object> from = (Map<String, Object>) p.get("valueFrom");
                if (from != null && from.get("path") != null) {
                    m.put((String) p.get("name"), (String) from.get("path"));
                }
            }
            return m;
        }

        String id() {
            return file.getFileName() + "#" + template;
        }
    }

    private ArgoTemplates() {
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(Project.examples().resolve("argo"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GenericKubernetesResource load(Path file) {
        try {
            return Rendered.SERIALIZATION.unmarshal(Files.readString(file), GenericKubernetesResource.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource wt) {
        return (Map<String, Object>) wt.getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> templates(GenericKubernetesResource wt) {
        return (List<Map<String, Object>>) spec(wt).get("templates");
    }

    @SuppressWarnings("unchecked")
    static List<Step> steps(Path file) {
        List<Step> steps = new ArrayList<>();
        for (Map<String, Object> t : templates(load(file))) {
            Map<String, Object> c = (Map<String, Object>) t.get("container");
            if (c == null) {
                continue;
            }
            Map<String, Object> outputs = (Map<String, Object>) t.getOrDefault("outputs", Map.of());
            steps.add(new Step(file, (String) t.get("name"), c,
                    (List<Map<String, Object>>) outputs.getOrDefault("parameters", List.of())));
        }
        return steps;
    }

    /** Default value of a workflow argument parameter. */
    @SuppressWarnings("unchecked")
    static String parameter(GenericKubernetesResource wt, String name) {
        Map<String, Object> args = (Map<String, Object>) spec(wt).get("arguments");
        for (Map<String, Object> p : (List<Map<String, Object>>) args.get("parameters")) {
            if (name.equals(p.get("name"))) {
                return p.get("value") == null ? null : String.valueOf(p.get("value"));
            }
        }
        throw new AssertionError("no workflow parameter " + name);
    }
}
