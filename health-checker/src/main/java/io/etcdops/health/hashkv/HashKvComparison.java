package io.etcdops.health.hashkv;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Compares members' HashKV answers at one revision the way etcd's own corruption checker does: hashes are only
 * comparable between members whose compact revision is the same (HashKV hashes the key history between the compact
 * revision and the requested one), so differing compact revisions mean "cannot tell now", not "corrupt".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HashKvComparison(
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("revision") long revision,
        @JsonProperty("detail") String detail,
        @JsonProperty("divergent") List<String> divergentMembers,
        @JsonProperty("answers") List<MemberHash> answers) {

    public enum Outcome {
        /** Every answering member has the same hash at the same compact revision. */
        CONSISTENT,
        /** Same compact revision, different hashes: some member's data differs. */
        MISMATCH,
        /** Not comparable now (fewer than two answers, compact revisions differ). */
        SKIPPED,
        /** The check was turned off. */
        DISABLED;

        @com.fasterxml.jackson.annotation.JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static HashKvComparison disabled() {
        return new HashKvComparison(Outcome.DISABLED, 0, "HashKV check turned off (--no-hashkv)", null, List.of());
    }

    public static HashKvComparison compare(long revision, List<MemberHash> answers) {
        List<MemberHash> ok = answers.stream().filter(MemberHash::answered).toList();
        List<String> failed = answers.stream().filter(a -> !a.answered()).map(a -> a.member() + ": " + a.error()).toList();
        String failedText = failed.isEmpty() ? "" : "; no answer from " + String.join(", ", failed);
        if (ok.size() < 2) {
            return new HashKvComparison(Outcome.SKIPPED, revision, "fewer than two members answered HashKV" + failedText,
                    null, answers);
        }
        Map<Long, List<MemberHash>> byCompact = ok.stream()
                .collect(Collectors.groupingBy(MemberHash::compactRevision, LinkedHashMap::new, Collectors.toList()));
        if (byCompact.size() > 1) {
            String detail = byCompact.entrySet().stream()
                    .map(e -> e.getValue().stream().map(MemberHash::member).collect(Collectors.joining("+")) + " at " + e.getKey())
                    .collect(Collectors.joining(", "));
            return new HashKvComparison(Outcome.SKIPPED, revision,
                    "compact revisions differ (" + detail + "), hashes are not comparable now" + failedText, null, answers);
        }
        Map<String, List<MemberHash>> byHash = ok.stream()
                .collect(Collectors.groupingBy(MemberHash::hash, LinkedHashMap::new, Collectors.toList()));
        if (byHash.size() == 1) {
            return new HashKvComparison(Outcome.CONSISTENT, revision,
                    ok.size() + " members agree at revision " + revision + failedText, null, answers);
        }
        // the majority hash is presumed right; with no strict majority every member is suspect
        List<List<MemberHash>> groups = new ArrayList<>(byHash.values());
        groups.sort(Comparator.comparingInt((List<MemberHash> g) -> g.size()).reversed());
        boolean majority = groups.get(0).size() * 2 > ok.size();
        List<String> divergent = new ArrayList<>();
        for (int i = majority ? 1 : 0; i < groups.size(); i++) {
            groups.get(i).forEach(h -> divergent.add(h.member()));
        }
        String detail = groups.stream()
                .map(g -> g.stream().map(MemberHash::member).collect(Collectors.joining("+")) + "=" + g.get(0).hash())
                .collect(Collectors.joining(", "));
        return new HashKvComparison(Outcome.MISMATCH, revision,
                "hashes differ at revision " + revision + " with equal compact revision " + ok.get(0).compactRevision()
                        + " (" + detail + ")" + failedText, divergent, answers);
    }
}
