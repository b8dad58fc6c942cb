package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageLogReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedDayFilesOfTheRangeInDateOrder() throws IOException {
        write("usage-2026-11-20.jsonl", line("2026-11-20T10:00:00Z", "too-early"));
        gzip("usage-2026-11-21.jsonl.gz", line("2026-11-21T10:00:00Z", "a"), line("2026-11-21T11:00:00Z", "b"));
        write("usage-2026-11-21.jsonl", line("2026-11-21T12:00:00Z", "c"));
        write("usage-2026-11-22.jsonl", line("2026-11-22T10:00:00Z", "d"));
        write("usage-2026-11-23.jsonl", line("2026-11-23T10:00:00Z", "too-late"));
        write("notes.txt", "not a log");

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir)
                .read(LocalDate.parse("2026-11-21"), LocalDate.parse("2026-11-22"), r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("a", "b", "c", "d");
        assertThat(s).isEqualTo(new UsageLogReader.Summary(3, 4, 0, 0));
    }

    @Test
    void malformedLinesAreSkippedAndCounted() throws IOException {
        write("usage-2026-11-22.jsonl", line("2026-11-22T10:00:00Z", "a"), "{\"ts\":\"2026-11-22T1", "",
                "garbage", line("2026-11-22T11:00:00Z", "b"));

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir)
                .read(LocalDate.parse("2026-11-22"), LocalDate.parse("2026-11-22"), r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("a", "b");
        assertThat(s.records()).isEqualTo(2);
        assertThat(s.malformedLines()).isEqualTo(2);
    }

    @Test
    void instantRangeGivesRecordsFromIncludedToExcluded() throws IOException {
        write("usage-2026-11-21.jsonl", line("2026-11-21T23:59:59.999Z", "before"));
        write("usage-2026-11-22.jsonl", line("2026-11-22T00:00:00Z", "first"), line("2026-11-22T23:59:59.999Z", "last"));
        write("usage-2026-11-23.jsonl", line("2026-11-23T00:00:00Z", "after"));

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir).read(Instant.parse("2026-11-22T00:00:00Z"),
                Instant.parse("2026-11-23T00:00:00Z"), r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("first", "last");
        assertThat(s.files()).isEqualTo(1);
        assertThat(s.records()).isEqualTo(2);
    }

    @Test
    void truncatedGzipCountsAsUnreadableAfterItsReadableLines() throws IOException {
        gzip("usage-2026-11-22.jsonl.gz", line("2026-11-22T10:00:00Z", "a"));
        Path gz = dir.resolve("usage-2026-11-22.jsonl.gz");
        byte[] whole = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(whole, whole.length - 6));

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir)
                .read(LocalDate.parse("2026-11-22"), LocalDate.parse("2026-11-22"), r -> ids.add(r.requestId()));

        assertThat(s.unreadableFiles()).isEqualTo(1);
        assertThat(s.records()).isEqualTo(ids.size());
    }

    @Test
    void missingFolderReadsAsEmpty() throws IOException {
        UsageLogReader.Summary s = new UsageLogReader(dir.resolve("none"))
                .read(LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-30"), r -> { });
        assertThat(s).isEqualTo(new UsageLogReader.Summary(0, 0, 0, 0));
    }

    private static String line(String ts, String requestId) {
        return UsageRecordJson.toJson(TestRecords.at(Instant.parse(ts), requestId));
    }

    private void write(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    private void gzip(String name, String... lines) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
