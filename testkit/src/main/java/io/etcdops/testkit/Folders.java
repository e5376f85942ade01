package io.etcdops.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing the testkit's own temporary folders (never anything it did not create). */
public final class Folders {

    private Folders() {
    }

    /** Deletes a folder and everything under it; a missing folder is fine. */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #delete}, best effort (at close or JVM exit a leftover temp folder is harmless). */
    public static void deleteQuietly(Path dir) {
        try {
            delete(dir);
        } catch (UncheckedIOException ignored) {
            // best effort
        }
    }
}
