package io.etcdops.core.runtime;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The project's one JSON mapper (Jackson 3, the line fabric8 uses): java.time as ISO-8601 text. Built on first use
 * (some 500 classes, ~0.1 s); a job's {@code main} ({@link JobRunner#main}) builds it first thing, where it costs
 * the least peak memory.
 */
public final class Json {
    private Json() {
    }

    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = JsonMapper.builder().disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    }
}
