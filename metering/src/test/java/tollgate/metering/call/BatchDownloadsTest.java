package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Batch API output file's results are billed once however often, and however far, it is downloaded. */
class BatchDownloadsTest {
    @TempDir
    Path logDir;

    @Test
    void aSecondDownloadMetersOnlyWhatTheFirstDidNotReach() {
        BatchDownloads d = BatchDownloads.load(logDir);
        // the first download is cut after three results
        for (int i = 0; i < 3; i++) {
            assertThat(d.firstTime("file-out", i)).isTrue();
        }
        // the second reads the whole file: its first three are known, the other two are new
        List<Boolean> second = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            second.add(d.firstTime("file-out", i));
        }
        assertThat(second).containsExactly(false, false, false, true, true);
        assertThat(d.metered("file-out")).isEqualTo(5);
        assertThat(d.firstTime("file-other", 0)).isTrue();
    }

    @Test
    void whatWasMeteredSurvivesARestartOncePersisted() throws Exception {
        BatchDownloads d = BatchDownloads.load(logDir);
        for (int i = 0; i < 4; i++) {
            d.firstTime("file-out", i);
        }
        d.firstTime("not a file name/..", 0); // kept in memory only, never a path
        d.persist();

        BatchDownloads restarted = BatchDownloads.load(logDir);

        assertThat(restarted.metered("file-out")).isEqualTo(4);
        assertThat(restarted.firstTime("file-out", 3)).isFalse();
        assertThat(restarted.firstTime("file-out", 4)).isTrue();
        try (var files = Files.list(logDir.resolve(BatchDownloads.DIR))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("file-out");
        }
    }

    @Test
    void twoDownloadsAtOnceMeterEachResultOnce() throws Exception {
        BatchDownloads d = BatchDownloads.inMemory();
        AtomicInteger billed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> downloads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                downloads.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        if (d.firstTime("file-out", i)) {
                            billed.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : downloads) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(billed.get()).isEqualTo(10_000);
    }

    @Test
    void aFileNoLongerInMemoryIsReadFromItsCountWhenItsDownloadBegins() throws Exception {
        // a count an earlier run wrote that this run did not load (past the newest MAX_FILES at start, or evicted since)
        BatchDownloads d = BatchDownloads.load(logDir);
        Files.createDirectories(logDir.resolve(BatchDownloads.DIR));
        Files.writeString(logDir.resolve(BatchDownloads.DIR).resolve("file-old"), "3");
        assertThat(d.metered("file-old")).isZero();
        d.begin("file-old");
        List<Boolean> download = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            download.add(d.firstTime("file-old", i));
        }
        assertThat(download).containsExactly(false, false, false, true, true);
        d.end("file-old");
        assertThat(Files.readString(logDir.resolve(BatchDownloads.DIR).resolve("file-old"))).isEqualTo("5");
        // a second download begun while none is in progress meters nothing again
        d.begin("file-old");
        assertThat(d.firstTime("file-old", 4)).isFalse();
        d.end("file-old");
    }

    @Test
    void aDownloadMetersAgainstTheCounterItBeganWithWhateverTheCacheEvicts() throws Exception {
        BatchDownloads d = BatchDownloads.load(logDir);
        d.begin("file-a");
        d.begin("file-a"); // two downloads of one file at once share one counter
        assertThat(d.firstTime("file-a", 0)).isTrue();
        // the cache fills with other files past its bound while the downloads go on
        for (int i = 0; i < BatchDownloads.MAX_FILES + 100; i++) {
            d.firstTime("other file " + i, 0); // not a file name: kept in memory only, never written
        }
        assertThat(d.firstTime("file-a", 0)).isFalse();
        assertThat(d.firstTime("file-a", 1)).isTrue();
        d.end("file-a");
        assertThat(d.firstTime("file-a", 1)).isFalse();
        d.end("file-a");
        // persisted when they ended: a restart knows both results
        assertThat(BatchDownloads.load(logDir).metered("file-a")).isEqualTo(2);
    }
}
