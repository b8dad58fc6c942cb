package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.query;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.log.TestRecords;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.usage.UnitCounts;

/** SPEC 12's units, written to the log, read back by the one reader and summed in every stats output. */
class UnitSumsTest {
    @TempDir
    Path dir;

    @Test
    void unitsAreSummedFromTheLogIntoTheTreeTheCsvAndTheTable() throws Exception {
        UsageRecord speech = withUnits(new UnitCounts(0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 67), "2026-11-22T10:00:00Z");
        UsageRecord whisper = withUnits(new UnitCounts(0, 0, 0, 0, 0, 0, new BigDecimal("8.470000267028809"), 0),
                "2026-11-22T11:00:00Z");
        UsageRecord search = withUnits(new UnitCounts(4012, 30, 40, 4160, 2, 1, new BigDecimal("1.53"), 0, 1000),
                "2026-11-21T11:00:00Z");
        Files.writeString(dir.resolve("usage-2026-11-22.jsonl"),
                UsageRecordJson.toJson(speech) + "\n" + UsageRecordJson.toJson(whisper) + "\n");
        Files.writeString(dir.resolve("usage-2026-11-21.jsonl"), UsageRecordJson.toJson(search) + "\n"
                + TestRecords.SPEC8_LINE.replace("2026-11-22", "2026-11-21") + "\n");

        StatsQuery q = query(List.of(GroupBy.of(Dimension.MODEL)), StatsFilter.NONE, false);
        StatsReport r = StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), StatsFixtures.CONTEXT);

        // 8.470000267028809 + 1.53, exactly
        UnitCounts expected = new UnitCounts(4012, 30, 40, 4160, 2, 1, new BigDecimal("10.000000267028809"), 67, 1000);
        assertThat(r.summary().units()).isEqualTo(expected);
        assertThat(r.summary().requests()).isEqualTo(4);
        assertThat(r.series()).extracting(StatsReport.SeriesPoint::units).contains(UnitCounts.ZERO,
                new UnitCounts(4012, 30, 40, 4160, 2, 1, new BigDecimal("1.53"), 0, 1000));
        assertThat(StatsFormatter.json(r)).contains("\"web_search_calls\":2,\"images\":1,"
                + "\"audio_seconds\":10.000000267028809,\"characters\":67}");
        assertThat(StatsFormatter.csv(r).lines().skip(1).findFirst().orElseThrow())
                .endsWith(",4012,1000,30,40,4160,2,1,10.000000267028809,67");
        String table = StatsFormatter.table(r);
        assertThat(table).contains("web search calls", "audio seconds", "10", "characters").doesNotContain("images  0");
        // a text-only report shows none of them
        assertThat(StatsFormatter.table(StatsFixtures.fromLog(q))).doesNotContain("web search calls", "characters");
    }

    private static UsageRecord withUnits(UnitCounts counts, String ts) {
        UsageRecord b = TestRecords.of("storybot", "gpt-4o-mini", false, 100, 0, 50, 0, new BigDecimal("0.001"));
        return new UsageRecord(java.time.Instant.parse(ts), b.requestId(), b.key(), b.endpoint(), b.model(), b.pricedAs(),
                b.stream(), b.status(), b.inputTokens(), b.cachedInputTokens(), b.outputTokens(), b.reasoningTokens(),
                b.totalTokens(), b.estimated(), b.costUsd(), b.durationMs(), b.ttfbMs(), b.user(), b.tags(), b.error(),
                new UsageUnits(counts, null, null, false));
    }
}
