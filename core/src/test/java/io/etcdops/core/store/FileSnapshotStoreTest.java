package io.etcdops.core.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FileSnapshotStoreTest {

    @TempDir
    Path dir;

    private FileSnapshotStore store(Path folder) {
        return new FileSnapshotStore(StoreLocation.parse("file://" + folder));
    }

    @Test
    void uploadIsAHiddenTempFileUntilCommitThenAnAtomicRename() throws IOException {
        FileSnapshotStore store = store(dir);
        try (Upload upload = store.begin("cluster/snap.db")) {
            upload.stream().write("hello".getBytes(StandardCharsets.UTF_8));
            upload.stream().close(); // must not commit

            assertThat(filesIn(dir.resolve("cluster"))).singleElement().asString().startsWith(".snap.db.partial-");
            assertThat(store.list("")).isEmpty();
            assertThat(store.listIncomplete("")).extracting(IncompleteUpload::key).containsExactly("cluster/snap.db");
            assertThatThrownBy(() -> store.open("cluster/snap.db")).isInstanceOf(NoSuchObjectException.class);

            upload.commit();
            assertThatThrownBy(() -> upload.stream().write(1)).isInstanceOf(IOException.class);
        }
        assertThat(filesIn(dir.resolve("cluster"))).containsExactly("snap.db");
        assertThat(Files.readString(dir.resolve("cluster/snap.db"))).isEqualTo("hello");
        assertThat(store.list("")).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo("cluster/snap.db");
            assertThat(o.size()).isEqualTo(5);
        });
        assertThat(store.listIncomplete("")).isEmpty();
    }

    @Test
    void persistPutsTheBytesOnDiskWithoutMakingTheObjectVisible() throws IOException {
        FileSnapshotStore store = store(dir);
        Upload upload = store.begin("cluster/snap.db");
        upload.stream().write(new byte[1000]); // less than the write buffer: still in memory
        Path temp = upload.writtenFile().orElseThrow();
        assertThat(Files.size(temp)).isZero();

        upload.persist();
        assertThat(Files.size(temp)).isEqualTo(1000);
        assertThat(store.list("")).isEmpty();

        upload.stream().write(new byte[24]); // written after persist: commit must still flush and sync it
        upload.commit();
        assertThat(store.list("")).extracting(StoredObject::key, StoredObject::size).containsExactly(tuple("cluster/snap.db", 1024L));

        Upload aborted = store.begin("cluster/b.db");
        aborted.abort();
        assertThatThrownBy(aborted::persist).isInstanceOf(IOException.class).hasMessageContaining("aborted");
    }

    @Test
    void commitReplacesAnExistingObject() throws IOException {
        FileSnapshotStore store = store(dir);
        put(store, "a.db", "old");
        put(store, "a.db", "new");
        assertThat(read(store, "a.db")).isEqualTo("new");
        assertThat(filesIn(dir)).containsExactly("a.db");
    }

    @Test
    void abortAndCloseWithoutCommitDeleteTheTempFile() throws IOException {
        FileSnapshotStore store = store(dir);
        Upload aborted = store.begin("x/a.db");
        aborted.stream().write(new byte[300_000]);
        aborted.abort();
        aborted.abort();
        try (Upload closed = store.begin("x/b.db")) {
            closed.stream().write(1);
        }
        assertThat(filesIn(dir.resolve("x"))).isEmpty();
        assertThatThrownBy(aborted::commit).isInstanceOf(IOException.class).hasMessageContaining("aborted");
    }

    @Test
    void listIsRecursiveSortedFilteredAndSkipsHiddenFiles() throws IOException {
        FileSnapshotStore store = store(dir);
        for (String key : List.of("b/2.db", "a/10.db", "a/2.db", "ab/1.db", "a/1.db", "top.db")) {
            put(store, key, key);
        }
        Files.writeString(dir.resolve("a/.hidden"), "x");
        Files.createDirectories(dir.resolve(".trash"));
        Files.writeString(dir.resolve(".trash/old.db"), "x");

        assertThat(store.list("")).extracting(StoredObject::key)
                .containsExactly("a/1.db", "a/10.db", "a/2.db", "ab/1.db", "b/2.db", "top.db");
        assertThat(store.list("a/")).extracting(StoredObject::key).containsExactly("a/1.db", "a/10.db", "a/2.db");
        assertThat(store.list("a")).extracting(StoredObject::key).containsExactly("a/1.db", "a/10.db", "a/2.db", "ab/1.db");
        assertThat(store.list("a/1")).extracting(StoredObject::key).containsExactly("a/1.db", "a/10.db");
        assertThat(store.list("c/")).isEmpty();
    }

    @Test
    void leftoverTempFilesAreListedWithTheirMtimeAndCanBeDiscarded() throws IOException {
        FileSnapshotStore store = store(dir);
        Files.createDirectories(dir.resolve("c1"));
        Path leftover = dir.resolve("c1/.snap.db.partial-abc123");
        Files.writeString(leftover, "partial");
        Instant crashed = Instant.parse("2024-01-02T03:04:05Z");
        Files.setLastModifiedTime(leftover, FileTime.from(crashed));

        List<IncompleteUpload> incomplete = store.listIncomplete("c1/");
        assertThat(incomplete).containsExactly(new IncompleteUpload("c1/snap.db", "c1/.snap.db.partial-abc123", crashed));
        assertThat(store.listIncomplete("c2/")).isEmpty();
        assertThat(store.list("")).isEmpty();

        store.discard(incomplete.get(0));
        assertThat(leftover).doesNotExist();
        assertThat(store.listIncomplete("")).isEmpty();
    }

    @Test
    void discardOnlyDeletesTempFilesInsideTheFolder() throws IOException {
        FileSnapshotStore store = store(dir.resolve("inner"));
        Files.createDirectories(dir.resolve("inner"));
        Files.writeString(dir.resolve(".x.partial-1"), "outside");
        put(store, "kept.db", "k");

        assertThatThrownBy(() -> store.discard(new IncompleteUpload("x", "../.x.partial-1", Instant.now())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.discard(new IncompleteUpload("kept.db", "kept.db", Instant.now())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve(".x.partial-1")).exists();
        assertThat(dir.resolve("inner/kept.db")).exists();
    }

    @Test
    void keysThatWouldEscapeOrHideAreRejected() {
        FileSnapshotStore store = store(dir);
        for (String key : List.of("", "/abs.db", "../up.db", "a/../../b", "a//b", ".hidden", "a/.b", "a/", "a\\b")) {
            assertThatThrownBy(() -> store.begin(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void openMissingOrAFolderIsNoSuchObjectAndDeleteIsIdempotent() throws IOException {
        FileSnapshotStore store = store(dir);
        put(store, "sub/a.db", "a");
        assertThatThrownBy(() -> store.open("missing.db")).isInstanceOf(NoSuchObjectException.class)
                .hasMessageContaining("missing.db");
        assertThatThrownBy(() -> store.open("sub")).isInstanceOf(NoSuchObjectException.class);
        store.delete("sub/a.db");
        store.delete("sub/a.db");
        store.delete("never.db");
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void checkAccessCreatesAMissingFolder() throws IOException {
        Path folder = dir.resolve("fresh/pvc/backups");
        FileSnapshotStore store = store(folder);
        store.checkAccess();
        assertThat(folder).isDirectory();
        assertThat(filesIn(folder)).isEmpty(); // the write probe is gone
        assertThat(store.uri().toString()).isEqualTo("file://" + folder);
    }

    @Test
    void checkAccessFailsWhenTheFolderCannotBeCreated() throws IOException {
        Files.writeString(dir.resolve("a-file"), "x");
        FileSnapshotStore store = store(dir.resolve("a-file/backups"));
        assertThatThrownBy(store::checkAccess).isInstanceOf(StoreAccessException.class)
                .hasMessageContaining(dir.resolve("a-file/backups").toString());
    }

    @Test
    void listOfAMissingFolderIsAStoreAccessException() {
        FileSnapshotStore store = store(dir.resolve("nope"));
        assertThatThrownBy(() -> store.list("")).isInstanceOf(StoreAccessException.class).hasMessageContaining("does not exist");
    }

    /** A real small filesystem: needs root (mount), which the test machines and CI have; skipped elsewhere. */
    @Nested
    class OnASmallTmpfs {
        private Path mountPoint;

        private void mount(String options) throws Exception {
            mountPoint = dir.resolve("mnt");
            Files.createDirectories(mountPoint);
            assumeTrue(run("mount", "-t", "tmpfs", "-o", options, "tmpfs", mountPoint.toString()),
                    "cannot mount a tmpfs here (needs root)");
        }

        @AfterEach
        void unmount() throws Exception {
            if (mountPoint != null) {
                run("umount", mountPoint.toString());
            }
        }

        @Test
        void diskFullSurfacesAsIOExceptionAndAbortLeavesNoTempFile() throws Exception {
            mount("size=1m");
            FileSnapshotStore store = store(mountPoint);
            Upload upload = store.begin("snap.db");
            assertThatThrownBy(() -> {
                upload.stream().write(new byte[4 * 1024 * 1024]);
                upload.commit();
            }).isInstanceOf(IOException.class);
            upload.abort();
            assertThat(filesIn(mountPoint)).isEmpty();
            assertThat(store.list("")).isEmpty();
        }

        @Test
        void aReadOnlyFolderFailsTheAccessCheck() throws Exception {
            mount("ro,size=1m");
            FileSnapshotStore store = store(mountPoint);
            assertThatThrownBy(store::checkAccess).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining("not writable").hasMessageContaining(mountPoint.toString());
        }

        /** Readers (list, verify, fetch, restore) pass on a read-only mount, as the chart mounts the store for them. */
        @Test
        void aReadOnlyFolderPassesTheReadCheckAndStaysReadable() throws Exception {
            mount("size=1m");
            put(store(mountPoint), "etcd/snap.db", "snapshot");
            assertThat(run("mount", "-o", "remount,ro", mountPoint.toString())).as("remount read-only").isTrue();
            FileSnapshotStore store = store(mountPoint);
            store.checkReadAccess();
            assertThat(read(store, "etcd/snap.db")).isEqualTo("snapshot");
            assertThatThrownBy(() -> store(mountPoint.resolve("missing")).checkReadAccess()).isInstanceOf(StoreAccessException.class)
                    .hasMessageContaining("does not exist");
        }
    }

    private static boolean run(String... command) throws Exception {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void put(SnapshotStore store, String key, String content) throws IOException {
        try (Upload upload = store.begin(key)) {
            upload.stream().write(content.getBytes(StandardCharsets.UTF_8));
            upload.commit();
        }
    }

    private static String read(SnapshotStore store, String key) throws IOException {
        try (InputStream in = store.open(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> filesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
