package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.FsyncMode;
import tollgate.config.LogConfig;

class UsageLogRetentionTest {
    private static final Instant NOW = Instant.parse("2026-11-22T03:00:00Z");

    @TempDir
    Path dir;

    private void day(String name, String... requestIds) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String id : requestIds) {
            lines.add(UsageRecordJson.toJson(TestRecords.at(Instant.parse(name.substring(6, 16) + "T10:00:00Z"), id)));
        }
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse(name.substring(6, 16) + "T23:59:59Z")));
    }

    private UsageLogRetention.Result run(int compressAfterDays, int retainDays) {
        return new UsageLogRetention(new LogConfig(dir, FsyncMode.NEVER, 16, compressAfterDays, retainDays)).run(NOW);
    }

    private List<String> requestIds() throws IOException {
        List<String> ids = new ArrayList<>();
        new UsageLogReader(dir).read(LocalDate.MIN, LocalDate.MAX, l -> ids.add(l.requestId()));
        return ids;
    }

    @Test
    void closedDaysAreGzippedAndReadTheSameAndTodayIsLeftAlone() throws IOException {
        day("usage-2026-11-20.jsonl", "a", "b");
        day("usage-2026-11-21.jsonl", "c");
        day("usage-2026-11-22.jsonl", "d");
        List<String> before = requestIds();

        // compress after 2 days: the 20th (2 days old) is due, the 21st (yesterday) is not yet
        assertThat(run(2, 0)).isEqualTo(new UsageLogRetention.Result(1, 0, 0));
        try (var names = Files.list(dir)) {
            assertThat(names.map(p -> p.getFileName().toString()).sorted()).containsExactly(
                    "usage-2026-11-20.jsonl.gz", "usage-2026-11-21.jsonl", "usage-2026-11-22.jsonl");
        }
        assertThat(requestIds()).isEqualTo(before);
    }

    @Test
    void anExistingArchiveNameIsNotOverwritten() throws IOException {
        day("usage-2026-11-20.jsonl", "late");
        new UsageLogRetention(new LogConfig(dir, FsyncMode.NEVER, 16, 1, 0)).run(NOW);
        day("usage-2026-11-20.jsonl", "later");

        run(1, 0);
        assertThat(dir.resolve("usage-2026-11-20.jsonl.gz")).exists();
        assertThat(dir.resolve("usage-2026-11-20.1.jsonl.gz")).exists();
        assertThat(requestIds()).containsExactlyInAnyOrder("late", "later");
    }

    @Test
    void aDayFileLeftBesideItsArchiveByACrashIsDeletedNotArchivedTwice() throws IOException {
        day("usage-2026-11-20.jsonl", "a", "b");
        Path plain = dir.resolve("usage-2026-11-20.jsonl");
        byte[] content = Files.readAllBytes(plain);
        run(1, 0);
        // the state a kill between the archive's move and the day file's delete leaves
        Files.write(plain, content);
        Files.setLastModifiedTime(plain, FileTime.from(Instant.parse("2026-11-20T23:59:59Z")));
        assertThat(requestIds()).containsExactlyInAnyOrder("a", "b", "a", "b");

        run(1, 0);
        try (var names = Files.list(dir)) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("usage-2026-11-20.jsonl.gz");
        }
        assertThat(requestIds()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aFileWrittenInTheLastMinutesWaitsForTheNextRun() throws IOException {
        day("usage-2026-11-21.jsonl", "just-after-midnight");
        Files.setLastModifiedTime(dir.resolve("usage-2026-11-21.jsonl"), FileTime.from(NOW.minusSeconds(60)));

        assertThat(run(1, 0).compressed()).isZero();
        assertThat(dir.resolve("usage-2026-11-21.jsonl")).exists();
    }

    @Test
    void daysOlderThanRetainDaysAreDeletedCompressedOrNot() throws IOException {
        day("usage-2026-10-01.jsonl", "old");
        day("usage-2026-11-14.jsonl", "week-old");
        day("usage-2026-11-15.jsonl", "kept");
        Files.writeString(dir.resolve("notes.txt"), "not ours");
        run(1, 0);

        // keep 8 days: the 15th..22nd; the 14th and older go, gzipped or not
        assertThat(run(1, 8)).isEqualTo(new UsageLogRetention.Result(0, 2, 0));
        assertThat(requestIds()).containsExactly("kept");
        assertThat(dir.resolve("notes.txt")).exists();
    }

    @Test
    void aDayTheStoreDoesNotHoldYetIsKeptPastRetainDaysAndDeletedOnceShipped() throws IOException {
        day("usage-2026-11-13.jsonl", "shipped");
        day("usage-2026-11-14.jsonl", "half-shipped");
        day("usage-2026-11-15.jsonl", "kept");
        LogConfig keep8 = new LogConfig(dir, FsyncMode.NEVER, 16, 0, 8);
        java.util.concurrent.atomic.AtomicReference<LocalDate> unshipped =
                new java.util.concurrent.atomic.AtomicReference<>(LocalDate.parse("2026-11-14"));

        // a database outage: the shipper's checkpoint is on the 14th, which retain_days would delete
        assertThat(new UsageLogRetention(keep8, unshipped::get).run(NOW)).isEqualTo(new UsageLogRetention.Result(0, 1, 0));
        assertThat(requestIds()).containsExactly("half-shipped", "kept");

        // the database is back and the shipper has passed the 14th: it goes at the next run
        unshipped.set(LocalDate.parse("2026-11-22"));
        assertThat(new UsageLogRetention(keep8, unshipped::get).run(NOW)).isEqualTo(new UsageLogRetention.Result(0, 1, 0));
        assertThat(requestIds()).containsExactly("kept");
    }

    @Test
    void aReadThatListedADayBeforeItWasCompressedReadsItsGzippedCopyOnce() throws IOException {
        day("usage-2026-11-20.jsonl", "a", "b");
        List<String> ids = new ArrayList<>();

        // the day is compressed between the reader's listing and its opening of the file
        new UsageLogReader(dir).readEachFile(LocalDate.MIN, LocalDate.MAX, f -> {
            run(1, 0);
            return l -> ids.add(l.requestId());
        });
        assertThat(dir.resolve("usage-2026-11-20.jsonl")).doesNotExist();
        assertThat(ids).containsExactly("a", "b");
    }
}
