package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsageLogReaderTest {
    private static final LocalDate NOV_21 = LocalDate.parse("2026-11-21");
    private static final LocalDate NOV_22 = LocalDate.parse("2026-11-22");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "usage-2026-11-22.jsonl,            2026-11-22, false",
            "usage-2026-11-22.jsonl.gz,         2026-11-22, true",
            "usage-2026-11-22.1.jsonl.gz,       2026-11-22, true",
            "usage-2026-11-22-0930.jsonl,       2026-11-22, false",
            "usage-2026-13-45.jsonl,            none,       false",
            "usage-2026-11-22.json,             none,       false",
            "usage-2026-11-22.jsonl.zst,        none,       false",
            "usage-2026-11-22.jsonl.1,          none,       false",
            "notes.txt,                         none,       false"})
    void fileNameRule(String name, LocalDate date, boolean gzip) {
        UsageLogFiles.DayFile f = UsageLogFiles.parse(dir.resolve(name));
        if (date == null) {
            assertThat(f).isNull();
        } else {
            assertThat(f).isEqualTo(new UsageLogFiles.DayFile(dir.resolve(name), date, gzip));
        }
    }

    @Test
    void theWritersNameIsOneTheRuleReads() {
        assertThat(UsageLogFiles.parse(dir.resolve(UsageLogFile.fileName(NOV_22))).date()).isEqualTo(NOV_22);
    }

    @Test
    void readsOnlyTheDaysAskedForByDateWithADaysArchivesBeforeItsPlainFile() throws IOException {
        write("usage-2026-11-20.jsonl", line("2026-11-20T10:00:00Z", "too-early"));
        gzip("usage-2026-11-21.jsonl.gz", line("2026-11-21T10:00:00Z", "a"), line("2026-11-21T11:00:00Z", "b"));
        write("usage-2026-11-21.jsonl", line("2026-11-21T12:00:00Z", "d"));
        gzip("usage-2026-11-21.1.jsonl.gz", line("2026-11-21T11:30:00Z", "c"));
        write("usage-2026-11-22.jsonl", line("2026-11-22T10:00:00Z", "e"));
        write("usage-2026-11-23.jsonl", line("2026-11-23T10:00:00Z", "too-late"));
        write("notes.txt", "not a log");

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir).read(NOV_21, NOV_22, r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("c", "a", "b", "d", "e");
        assertThat(s).isEqualTo(new UsageLogReader.Summary(4, 5, 0, 0, Map.of()));
    }

    @Test
    void aLineIsTheSameRecordTheWriterWrote() throws IOException {
        write("usage-2026-11-22.jsonl", TestRecords.SPEC_EXAMPLE_LINE);

        List<UsageRecord> read = new ArrayList<>();
        new UsageLogReader(dir).read(NOV_22, NOV_22, l -> read.add(l.toRecord()));

        assertThat(read).containsExactly(TestRecords.specExample());
    }

    @Test
    void fieldsNotKeptAreStillCheckedButNotMaterialized() throws IOException {
        write("usage-2026-11-22.jsonl", TestRecords.SPEC_EXAMPLE_LINE,
                TestRecords.SPEC_EXAMPLE_LINE.replace("\"user\":\"123\"", "\"user\":123"));

        List<String> seen = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir).fields(new UsageLine.Fields(false, false, Set.of("x")))
                .read(NOV_22, NOV_22, l -> seen.add(l.requestId() + " " + l.user() + " " + l.tags() + " " + l.key()));

        assertThat(seen).containsExactly("null null {} storybot");
        assertThat(s.malformedLines()).isEqualTo(1);
    }

    @Test
    void malformedLinesAreSkippedAndCountedByDayBlankLinesNeither() throws IOException {
        write("usage-2026-11-21.jsonl", "garbage");
        write("usage-2026-11-22.jsonl", line("2026-11-22T10:00:00Z", "a"), "{\"ts\":\"2026-11-22T1", "", "  \r",
                "garbage", line("2026-11-22T11:00:00Z", "b"));

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir).read(NOV_21, NOV_22, r -> ids.add(r.requestId()));

        assertThat(ids).containsExactly("a", "b");
        assertThat(s.records()).isEqualTo(2);
        assertThat(s.malformedLines()).isEqualTo(3);
        assertThat(s.malformedByDay()).isEqualTo(Map.of(NOV_21, 1L, NOV_22, 2L));
    }

    @Test
    void aTimestampWithAnOffsetIsDatedInUtcAndFractionsAreKept() throws IOException {
        write("usage-2026-11-21.jsonl",
                TestRecords.SPEC_EXAMPLE_LINE.replace("2026-11-22T10:30:45.123Z", "2026-11-22T01:30:00+02:00"),
                TestRecords.SPEC_EXAMPLE_LINE.replace("2026-11-22T10:30:45.123Z", "2026-11-21T23:59:59.123456789Z"),
                TestRecords.SPEC_EXAMPLE_LINE.replace("2026-11-22T10:30:45.123Z", "2026-11-21T07:08:09Z"));

        List<String> read = new ArrayList<>();
        new UsageLogReader(dir).read(NOV_21, NOV_21, l -> read.add(l.day() + " " + l.ts()));

        assertThat(read).containsExactly("2026-11-21 2026-11-21T23:30:00Z", "2026-11-21 2026-11-21T23:59:59.123456789Z",
                "2026-11-21 2026-11-21T07:08:09Z");
    }

    @Test
    void truncatedGzipKeepsItsReadableLinesAndCountsTheDamagedRestAsOneLine() throws IOException {
        String[] lines = new String[200];
        Arrays.setAll(lines, i -> line("2026-11-22T10:00:00Z", "r" + i));
        gzip("usage-2026-11-22.jsonl.gz", lines);
        Path gz = dir.resolve("usage-2026-11-22.jsonl.gz");
        byte[] whole = Files.readAllBytes(gz);
        // cut off the end of the deflate stream and its trailer, as a crash during rotation would
        Files.write(gz, Arrays.copyOf(whole, whole.length - 20));

        List<String> ids = new ArrayList<>();
        UsageLogReader.Summary s = new UsageLogReader(dir).read(NOV_22, NOV_22, r -> ids.add(r.requestId()));

        assertThat(s.unreadableFiles()).isEqualTo(1);
        assertThat(s.records()).isEqualTo(ids.size()).isBetween(1L, 199L);
        assertThat(s.malformedLines()).isEqualTo(1);
    }

    @Test
    void missingFolderReadsAsEmpty() throws IOException {
        UsageLogReader.Summary s = new UsageLogReader(dir.resolve("none"))
                .read(LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-30"), r -> { });
        assertThat(s).isEqualTo(new UsageLogReader.Summary(0, 0, 0, 0, Map.of()));
    }

    @Test
    void filesReadInParallelGiveEachFileItsOwnCallback() throws IOException {
        for (int day = 1; day <= 9; day++) {
            String date = "2026-11-0" + day;
            write("usage-" + date + ".jsonl", line(date + "T01:00:00Z", "a" + day), line(date + "T02:00:00Z", "b" + day),
                    "torn {");
        }

        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        UsageLogReader.Summary s = new UsageLogReader(dir).threads(3).readEachFile(LocalDate.parse("2026-11-01"),
                LocalDate.parse("2026-11-09"), file -> {
                    List<String> mine = new ArrayList<>();
                    return l -> {
                        assertThat(l.day()).isEqualTo(file.date());
                        mine.add(l.requestId());
                        if (mine.size() == 2) {
                            seen.add(String.join(",", mine));
                        }
                    };
                });

        assertThat(seen).containsExactlyInAnyOrder("a1,b1", "a2,b2", "a3,b3", "a4,b4", "a5,b5", "a6,b6", "a7,b7",
                "a8,b8", "a9,b9");
        assertThat(s.files()).isEqualTo(9);
        assertThat(s.records()).isEqualTo(18);
        assertThat(s.malformedLines()).isEqualTo(9);
    }

    @Test
    void splitterHandlesCrLfLinesAcrossReadsAndOverLongLines() throws Exception {
        String text = "a\r\nbb\n" + "x".repeat(3000) + "\nccc";
        List<String> lines = new ArrayList<>();
        int[] tooLong = {0};
        // one byte per read exercises lines cut across buffers
        ByteArrayInputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        new LineSplitter(2048).split(in, new LineSplitter.LineSink() {
            @Override
            public void line(byte[] buf, int off, int len) {
                lines.add(new String(buf, off, len, StandardCharsets.UTF_8));
            }

            @Override
            public void tooLong() {
                tooLong[0]++;
            }
        });

        assertThat(lines).containsExactly("a", "bb", "ccc");
        assertThat(tooLong[0]).isEqualTo(1);
    }

    @Test
    void newestReadsBackwardsAcrossBlocksAndFilesAndAgreesWithAForwardRead() throws IOException {
        // 3,000 lines of ~400 bytes: plain files well over one 64 KiB block, so lines straddle block edges
        List<String> nov21 = new ArrayList<>();
        List<String> nov22 = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            nov21.add(line("2026-11-21T10:00:00Z", "a" + i));
            nov22.add(line("2026-11-22T10:00:00Z", "b" + i));
        }
        gzip("usage-2026-11-20.jsonl.gz", line("2026-11-20T10:00:00Z", "old-1"), line("2026-11-20T11:00:00Z", "old-2"));
        write("usage-2026-11-21.jsonl", nov21.toArray(String[]::new));
        write("usage-2026-11-22.jsonl", nov22.toArray(String[]::new));

        UsageLogReader reader = new UsageLogReader(dir);
        assertThat(reader.newest(3, l -> true)).extracting(UsageRecord::requestId).containsExactly("b2999", "b2998",
                "b2997");
        List<String> forward = new ArrayList<>();
        reader.read(LocalDate.MIN, LocalDate.MAX, l -> forward.add(l.requestId()));
        Collections.reverse(forward);
        assertThat(reader.newest(10_000, l -> true)).extracting(UsageRecord::requestId).isEqualTo(forward);
        // the oldest two sit in a gzipped day: read forward, handed back newest first
        assertThat(reader.newest(6001, l -> true)).extracting(UsageRecord::requestId).endsWith("a0", "old-2");
        assertThat(reader.newest(2, l -> l.requestId().startsWith("a1"))).extracting(UsageRecord::requestId)
                .containsExactly("a1999", "a1998");
    }

    @Test
    void newestSkipsATornLastLineAndMalformedOnes() throws IOException {
        Files.writeString(dir.resolve("usage-2026-11-22.jsonl"), line("2026-11-22T10:00:00Z", "r1") + "\n[1,2]\n\n"
                + line("2026-11-22T10:00:01Z", "r2") + "\n{\"ts\":\"2026-11-22T10:00:02Z\",\"key");

        assertThat(new UsageLogReader(dir).newest(5, l -> true)).extracting(UsageRecord::requestId)
                .containsExactly("r2", "r1");
    }

    @Test
    void newestOnAGigabyteLogReadsOnlyItsTail() throws IOException {
        // a sparse 1 GiB day file (no disk used) with 20 calls at its end: a forward read would scan a gigabyte
        Path big = dir.resolve("usage-2026-11-22.jsonl");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(1L << 30);
            f.seek(f.length());
            StringBuilder tail = new StringBuilder("\n");
            for (int i = 0; i < 20; i++) {
                tail.append(line("2026-11-22T10:00:00Z", "r" + i)).append('\n');
            }
            f.write(tail.toString().getBytes(StandardCharsets.UTF_8));
        }

        // how long it takes is bench/recent-1gb.sh's to measure (unit tests assert no timings)
        List<UsageRecord> newest = new UsageLogReader(dir).newest(20, l -> true);
        assertThat(newest).extracting(UsageRecord::requestId).startsWith("r19", "r18").hasSize(20);
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
