package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.FsyncMode;

class ReservationJournalTest {
    static final Instant TS = Instant.parse("2026-12-03T10:00:00Z");

    @TempDir
    Path dir;

    static ReservationJournal.Hold hold(String id, String usd) {
        return new ReservationJournal.Hold(id, TS, "storybot", "/v1/chat/completions", "gpt-4o-mini", "gpt-4o-mini",
                false, "u1", Map.of("team", "search"), new BigDecimal(usd), 130);
    }

    UsageLogWriter writer() {
        return UsageLogWriter.start(dir, FsyncMode.BATCH, 64, UsageLogCounters.NONE, System::nanoTime);
    }

    @Test
    void holdsAreWrittenBeforeTheirFutureCompletesAndEndedOnesAreNotOpen() throws Exception {
        UsageLogWriter w = writer();
        w.hold(hold("r1", "0.001")).get(5, TimeUnit.SECONDS);
        w.hold(hold("r2", "0.002")).get(5, TimeUnit.SECONDS);
        // the hold is in the file once its future completes: what a killed process leaves behind
        assertThat(ReservationJournal.openHolds(dir)).extracting(ReservationJournal.Hold::id).containsExactly("r1", "r2");
        w.append(TestRecords.specExample());
        w.ended(List.of("r1"));
        w.flush().get(5, TimeUnit.SECONDS);
        List<ReservationJournal.Hold> open = ReservationJournal.openHolds(dir);
        assertThat(open).containsExactly(hold("r2", "0.002"));
        w.close();
        // a hold still open at a graceful stop stays for the next start
        assertThat(ReservationJournal.openHolds(dir)).extracting(ReservationJournal.Hold::id).containsExactly("r2");
    }

    @Test
    void recoveryChargesOpenHoldsAtTheirWorstCaseAsRecordsAndEmptiesTheJournal() throws Exception {
        UsageLogWriter w = writer();
        w.hold(hold("r1", "0.001")).get(5, TimeUnit.SECONDS);
        w.hold(hold("r2", "0.0025")).get(5, TimeUnit.SECONDS);
        w.ended(List.of("r1"));
        w.close();
        // a process killed mid-write leaves a torn last line: skipped
        Files.writeString(dir.resolve(ReservationJournal.FILE_NAME), "{\"hold\":\"r3\",\"ts\":\"20",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        Instant now = Instant.parse("2026-12-03T11:00:00Z");
        List<ReservationJournal.Hold> charged = ReservationJournal.recover(dir, now);
        assertThat(charged).extracting(ReservationJournal.Hold::id).containsExactly("r2");
        assertThat(dir.resolve(ReservationJournal.FILE_NAME)).doesNotExist();
        List<UsageLine> lines = new java.util.ArrayList<>();
        new UsageLogReader(dir).read(LocalDate.of(2026, 12, 3), LocalDate.of(2026, 12, 3), lines::add);
        assertThat(lines).singleElement().satisfies(l -> {
            assertThat(l.key()).isEqualTo("storybot");
            assertThat(l.costUsd()).isEqualByComparingTo("0.0025");
            assertThat(l.totalTokens()).isEqualTo(130);
            assertThat(l.error()).isEqualTo(ReservationJournal.RESTARTED);
            assertThat(l.estimated()).isTrue();
        });
        assertThat(Files.readString(dir.resolve("usage-" + LocalDate.ofInstant(now, ZoneOffset.UTC) + ".jsonl")))
                .contains("\"error\":\"tollgate_restarted\"").contains("\"user\":\"u1\"");
        // a second start finds nothing more to charge
        assertThat(ReservationJournal.recover(dir, now)).isEmpty();
    }

    /** The journal's lines are written by hand (JsonLine): what it reads back is the hold it wrote. */
    @Test
    void holdsWithEscapesNullsAndLongDecimalsReadBackAsWritten() throws Exception {
        ReservationJournal.Hold odd = new ReservationJournal.Hold("r\"1\\", Instant.parse("2026-12-03T10:00:00.123Z"),
                "fp-\u00e9\u4e2d", "/v1/responses", null, null, true, null,
                Map.of("team", "a\nb\u0001", "\ud83d\ude00", ""), new BigDecimal("0.000000123456789"), 4_000_000_000L);
        UsageLogWriter w = writer();
        w.holdAll(List.of(odd, hold("r2", "12.5"))).get(5, TimeUnit.SECONDS);
        w.close();
        assertThat(ReservationJournal.openHolds(dir)).containsExactly(odd, hold("r2", "12.5"));
    }

    /** A batch's ends share one line; a journal an older tollgate left (one end per line) is read the same. */
    @Test
    void endsOfABatchShareOneLineAndOlderSingleEndsAreStillRead() throws Exception {
        UsageLogWriter w = writer();
        w.holdAll(List.of(hold("r1", "1"), hold("r2", "2"), hold("r3", "3"), hold("r4", "4"))).get(5, TimeUnit.SECONDS);
        w.ended(List.of("r2", "r3", "unknown"));
        w.flush().get(5, TimeUnit.SECONDS);
        w.close();
        List<String> lines = Files.readAllLines(dir.resolve(ReservationJournal.FILE_NAME));
        assertThat(lines).hasSize(5).last().isEqualTo("{\"end\":[\"r2\",\"r3\"]}");
        Files.writeString(dir.resolve(ReservationJournal.FILE_NAME), "{\"end\":\"r1\"}\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        assertThat(ReservationJournal.openHolds(dir)).extracting(ReservationJournal.Hold::id).containsExactly("r4");
    }

    @Test
    void underSteadyTrafficWithHoldsAlwaysOpenTheJournalStaysBoundedAndKeepsEveryOpenHold() throws Exception {
        UsageLogWriter w = writer();
        Path journal = dir.resolve(ReservationJournal.FILE_NAME);
        long largest = 0;
        int next = 0;
        List<String> open = new java.util.ArrayList<>();
        // 25,000 holds (~5.7 MB of lines), never fewer than 100 in flight: the file was only ever emptied when none was
        for (int batch = 0; batch < 250; batch++) {
            List<ReservationJournal.Hold> holds = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                holds.add(hold("r" + next++, "0.001"));
            }
            w.holdAll(holds).get(5, TimeUnit.SECONDS);
            holds.forEach(h -> open.add(h.id()));
            largest = Math.max(largest, Files.size(journal));
            // what a process killed now leaves: every hold still open, none that ended
            if (batch % 50 == 49) {
                assertThat(ReservationJournal.openHolds(dir)).extracting(ReservationJournal.Hold::id)
                        .containsExactlyElementsOf(open);
            }
            if (open.size() > 100) {
                w.ended(List.copyOf(open.subList(0, 100)));
                open.subList(0, 100).clear();
            }
        }
        w.flush().get(5, TimeUnit.SECONDS);
        assertThat(largest).isLessThan(ReservationJournal.REWRITE_BYTES + (256 << 10));
        assertThat(ReservationJournal.openHolds(dir)).extracting(ReservationJournal.Hold::id)
                .containsExactlyElementsOf(open);
        assertThat(AtomicFiles.tmpOf(journal)).doesNotExist();
        w.close();
    }

    @Test
    void aStartKilledAfterWritingTheRestartRecordsDoesNotChargeThemTwice() throws Exception {
        UsageLogWriter w = writer();
        w.hold(hold("r1", "0.001")).get(5, TimeUnit.SECONDS);
        w.hold(hold("r2", "0.002")).get(5, TimeUnit.SECONDS);
        w.close();
        Path journal = dir.resolve(ReservationJournal.FILE_NAME);
        byte[] before = Files.readAllBytes(journal);
        Instant start = TS.plusSeconds(60);
        assertThat(ReservationJournal.recover(dir, start)).hasSize(2);
        // killed after the records were forced, before the journal was removed
        Files.write(journal, before);

        List<ReservationJournal.Hold> again = ReservationJournal.recover(dir, start.plusSeconds(30));
        assertThat(again).extracting(ReservationJournal.Hold::id).containsExactly("r1", "r2");
        List<String> restarted = new java.util.ArrayList<>();
        new UsageLogReader(dir).read(LocalDate.MIN, LocalDate.MAX, l -> restarted.add(l.requestId()));
        assertThat(restarted).containsExactly("tg-restarted-r1", "tg-restarted-r2");
        assertThat(journal).doesNotExist();
    }
}
