package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.FsyncMode;

class UsageLogWriterTest {
    private static final Instant NOON = Instant.parse("2026-11-22T12:00:00Z");

    @TempDir
    Path tmp;

    private final CountingCounters counters = new CountingCounters();
    private UsageLogWriter writer;

    @AfterEach
    void closeWriter() {
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void writesOneJsonLinePerRecordInTheFileOfItsUtcDate() throws Exception {
        writer = start(tmp.resolve("logs"), FsyncMode.BATCH, 64);
        assertThat(writer.append(TestRecords.specExample())).isTrue();
        assertThat(writer.append(TestRecords.at(Instant.parse("2026-11-22T23:00:00Z"), "r2"))).isTrue();
        writer.flush().get(10, TimeUnit.SECONDS);

        List<String> lines = Files.readAllLines(tmp.resolve("logs/usage-2026-11-22.jsonl"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo(TestRecords.SPEC_EXAMPLE_LINE);
        assertThat(UsageRecordJson.parse(lines.get(1)).requestId()).isEqualTo("r2");
        assertThat(writer.recordsWritten()).isEqualTo(2);
        assertThat(counters.written.get()).isEqualTo(2);
        assertThat(counters.failures.get()).isZero();
    }

    @Test
    void recordOfTheNextUtcDateGoesToTheNextDaysFile() throws Exception {
        writer = start(tmp, FsyncMode.BATCH, 64);
        writer.append(TestRecords.at(Instant.parse("2026-11-22T23:59:59.999Z"), "before"));
        writer.append(TestRecords.at(Instant.parse("2026-11-23T00:00:00.000Z"), "after"));
        writer.append(TestRecords.at(Instant.parse("2026-11-23T00:00:00.001Z"), "after2"));
        writer.flush().get(10, TimeUnit.SECONDS);

        assertThat(requestIds(tmp.resolve("usage-2026-11-22.jsonl"))).containsExactly("before");
        assertThat(requestIds(tmp.resolve("usage-2026-11-23.jsonl"))).containsExactly("after", "after2");
    }

    @Test
    void appendsToAnExistingFileAndEndsAPartialLastLine() throws Exception {
        Path day = tmp.resolve("usage-2026-11-22.jsonl");
        String earlier = UsageRecordJson.toJson(TestRecords.at(NOON, "earlier"));
        Files.writeString(day, earlier + "\n" + "{\"ts\":\"2026-11-22T12:00:01.000Z\",\"requ");
        writer = start(tmp, FsyncMode.BATCH, 64);
        writer.append(TestRecords.at(NOON, "new"));
        writer.flush().get(10, TimeUnit.SECONDS);

        List<String> lines = Files.readAllLines(day);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(earlier);
        assertThat(UsageRecordJson.parse(lines.get(2)).requestId()).isEqualTo("new");
    }

    @Test
    void fullQueueRefusesWithoutBlockingAndCountsAFailure() throws Exception {
        writer = start(tmp, FsyncMode.NEVER, 16);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        writer.addListener(w -> {
            inListener.countDown();
            await(release);
        });
        writer.append(TestRecords.at(NOON, "blocker"));
        assertThat(inListener.await(10, TimeUnit.SECONDS)).isTrue();

        for (int i = 0; i < 16; i++) {
            assertThat(writer.append(TestRecords.at(NOON, "q" + i))).isTrue();
        }
        assertThat(writer.append(TestRecords.at(NOON, "one too many"))).isFalse();
        assertThat(writer.failures()).isEqualTo(1);
        assertThat(counters.failures.get()).isEqualTo(1);

        release.countDown();
        writer.flush().get(10, TimeUnit.SECONDS);
        assertThat(requestIds(tmp.resolve("usage-2026-11-22.jsonl"))).hasSize(17).doesNotContain("one too many");
    }

    @Test
    void failingFolderCountsLostRecordsAndRecoversOnceWritable() throws Exception {
        Path dir = tmp.resolve("logs");
        Files.writeString(dir, "a file where the folder should be");
        writer = start(dir, FsyncMode.BATCH, 64);
        writer.append(TestRecords.at(NOON, "lost1"));
        writer.append(TestRecords.at(NOON, "lost2"));
        writer.flush().get(10, TimeUnit.SECONDS);
        assertThat(writer.failures()).isEqualTo(2);
        assertThat(counters.failures.get()).isEqualTo(2);
        assertThat(writer.recordsWritten()).isZero();

        Files.delete(dir);
        writer.append(TestRecords.at(NOON, "kept"));
        writer.flush().get(10, TimeUnit.SECONDS);
        assertThat(requestIds(dir.resolve("usage-2026-11-22.jsonl"))).containsExactly("kept");
        assertThat(writer.failures()).isEqualTo(2);
        assertThat(counters.written.get()).isEqualTo(1);
    }

    @Test
    void closeDrainsEveryQueuedRecord() throws Exception {
        writer = start(tmp, FsyncMode.BATCH, 100_000);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            assertThat(writer.append(TestRecords.at(NOON, "r" + i))).isTrue();
        }
        writer.close();

        List<String> ids = requestIds(tmp.resolve("usage-2026-11-22.jsonl"));
        assertThat(ids).hasSize(n);
        assertThat(ids.get(0)).isEqualTo("r0");
        assertThat(ids.get(n - 1)).isEqualTo("r" + (n - 1));
        assertThat(writer.queued()).isZero();
    }

    @Test
    void appendAfterCloseIsRefusedAndCounted() {
        writer = start(tmp, FsyncMode.BATCH, 64);
        writer.close();
        assertThat(writer.append(TestRecords.at(NOON, "late"))).isFalse();
        assertThat(counters.failures.get()).isEqualTo(1);
        assertThat(writer.flush()).isCompleted();
    }

    @Test
    void alwaysForcesAfterEveryRecord() throws Exception {
        writer = start(tmp, FsyncMode.ALWAYS, 64);
        for (int i = 0; i < 5; i++) {
            writer.append(TestRecords.at(NOON, "r" + i));
        }
        writer.flush().get(10, TimeUnit.SECONDS);
        assertThat(writer.forces()).isEqualTo(5);
    }

    @Test
    void neverForcesEvenOnFlushAndClose() throws Exception {
        writer = start(tmp, FsyncMode.NEVER, 64);
        for (int i = 0; i < 5; i++) {
            writer.append(TestRecords.at(NOON, "r" + i));
        }
        writer.flush().get(10, TimeUnit.SECONDS);
        writer.close();
        assertThat(writer.forces()).isZero();
        assertThat(requestIds(tmp.resolve("usage-2026-11-22.jsonl"))).hasSize(5);
    }

    @Test
    void batchForcesOnceTheIntervalHasPassedWithoutAFlush() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        writer = UsageLogWriter.start(tmp, FsyncMode.BATCH, 64, counters, now::get);
        AtomicInteger listened = new AtomicInteger();
        writer.addListener(w -> listened.incrementAndGet());
        for (int i = 0; i < 3; i++) {
            writer.append(TestRecords.at(NOON, "r" + i));
        }
        eventually(() -> listened.get() == 3);
        assertThat(writer.forces()).as("no force before 200 ms have passed on the writer's clock").isZero();

        now.addAndGet(UsageLogLoop.BATCH_FORCE_INTERVAL_NANOS);
        eventually(() -> writer.forces() == 1);
        writer.append(TestRecords.at(NOON, "r3"));
        eventually(() -> listened.get() == 4);
        assertThat(writer.forces()).isEqualTo(1);
    }

    @Test
    void listenersGetEachRecordWithItsLineAndTheirExceptionsDoNotStopTheWriter() throws Exception {
        writer = start(tmp, FsyncMode.BATCH, 64);
        List<WrittenRecord> seen = new CopyOnWriteArrayList<>();
        writer.addListener(w -> {
            throw new IllegalStateException("listener bug");
        });
        writer.addListener(seen::add);
        writer.append(TestRecords.specExample());
        writer.append(TestRecords.at(NOON, "second"));
        writer.flush().get(10, TimeUnit.SECONDS);

        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).record()).isEqualTo(TestRecords.specExample());
        assertThat(seen.get(0).line()).isEqualTo(TestRecords.SPEC_EXAMPLE_LINE);
        assertThat(seen.get(1).record().requestId()).isEqualTo("second");
        assertThat(writer.failures()).isZero();
    }

    private UsageLogWriter start(Path dir, FsyncMode fsync, int capacity) {
        return UsageLogWriter.start(dir, fsync, capacity, counters, System::nanoTime);
    }

    private static List<String> requestIds(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .map(l -> UsageRecordJson.parse(l).requestId())
                .toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static final class CountingCounters implements UsageLogCounters {
        final AtomicInteger written = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public void recordWritten() {
            written.incrementAndGet();
        }

        @Override
        public void failure() {
            failures.incrementAndGet();
        }
    }
}
