package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tollgate.metering.report.StatsFixtures.CLOCK;
import static tollgate.metering.report.StatsFixtures.CONTEXT;
import static tollgate.metering.report.StatsFixtures.FROM;
import static tollgate.metering.report.StatsFixtures.TODAY;
import static tollgate.metering.report.StatsFixtures.call;
import static tollgate.metering.report.StatsFixtures.fromLog;
import static tollgate.metering.report.StatsFixtures.query;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.report.StatsReport.GroupRow;

class UsageAggregatesTest {
    private static final List<GroupBy> ALL_GROUPINGS = List.of(GroupBy.of(Dimension.KEY), GroupBy.of(Dimension.MODEL),
            GroupBy.of(Dimension.ENDPOINT), GroupBy.of(Dimension.USER), GroupBy.parse("tag:operation"));

    private static List<StatsQuery> queries() {
        return List.of(
                query(ALL_GROUPINGS, StatsFilter.NONE, true),
                query(List.of(GroupBy.of(Dimension.MODEL)), new StatsFilter("storybot", null, null, Map.of()), true),
                query(List.of(GroupBy.of(Dimension.KEY)), new StatsFilter(null, "gpt-4o-mini", "u2", Map.of()), true),
                query(List.of(), new StatsFilter(null, null, null, Map.of("operation", "rag_answer")), true),
                new StatsQuery(StatsFixtures.FROM, StatsFixtures.TODAY, ReportPeriod.WEEK, ALL_GROUPINGS,
                        StatsFilter.NONE, false));
    }

    @Test
    void recordsFedOneByOneGiveTheSameJsonAsTheLogForEveryQuery() throws IOException {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        for (UsageRecord r : StatsFixtures.records()) {
            agg.add(r);
        }

        for (StatsQuery q : queries()) {
            StatsReport fromLog = fromLog(q);
            StatsReport fromMemory = agg.query(q, CONTEXT);
            // skipped lines are a property of the files; records handed over live have none
            assertThat(fromLog.skippedLines()).isEqualTo(2);
            StatsReport logWithoutSkips = new StatsReport(fromLog.from(), fromLog.to(), fromLog.period(),
                    fromLog.summary(), fromLog.series(), fromLog.groups(), fromLog.projection(), fromLog.suggestions(),
                    0, fromLog.filters(), null, null);
            assertThat(StatsFormatter.json(fromMemory)).isEqualTo(StatsFormatter.json(logWithoutSkips));
        }
    }

    @Test
    void aggregatesLoadedFromTheLogGiveTheSameJsonIncludingSkippedLines() {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        agg.load(StatsFixtures.logDir());

        for (StatsQuery q : queries()) {
            assertThat(StatsFormatter.json(agg.query(q, CONTEXT))).isEqualTo(StatsFormatter.json(fromLog(q)));
        }
    }

    @Test
    void loadingSkipsCallsLoggedAfterCreationSoLiveAddsAreNotCountedTwice(@TempDir Path dir) throws Exception {
        Instant created = Instant.parse("2026-11-22T12:00:00Z");
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        UsageRecord before = call("2026-11-22T11:59:59.999Z", "k", "gpt-4o", 1000, 0, 0, "0.0025", false, null);
        UsageRecord after = call("2026-11-22T12:00:00.001Z", "k", "gpt-4o", 1000, 0, 0, "0.0025", false, null);
        Files.writeString(dir.resolve("usage-2026-11-22.jsonl"), line(before) + "\n" + line(after) + "\n");

        agg.add(after);
        agg.loadAsync(dir, Runnable::run).get();

        StatsReport r = agg.query(StatsQuery.lastDays(1, created.atZone(ZoneOffset.UTC).toLocalDate()), CONTEXT);
        assertThat(r.summary().requests()).isEqualTo(2);
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo("0.005");
    }

    @Test
    void loadingFromALogFolderNotCreatedYetGivesEmptyAggregates(@TempDir Path dir) {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        agg.load(dir.resolve("logs"));

        assertThat(agg.query(query(List.of(), StatsFilter.NONE, true), CONTEXT).summary().requests()).isZero();
    }

    @Test
    void keysPastTheCapFoldIntoOther() {
        UsageAggregates agg = new UsageAggregates(new UsageAggregates.Caps(2, 10, 10, 10, 1000, 30), CLOCK);
        for (String key : List.of("a", "b", "c", "d")) {
            agg.add(call("2026-11-22T01:00:00Z", key, "gpt-4o", 1000, 0, 0, "0.0025", false, null));
        }

        List<GroupRow> keys = agg.query(query(List.of(GroupBy.of(Dimension.KEY)), StatsFilter.NONE, false), CONTEXT)
                .groups().get("key");
        assertThat(keys).extracting(GroupRow::name, GroupRow::requests).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("a", 1L), org.assertj.core.groups.Tuple.tuple("b", 1L),
                org.assertj.core.groups.Tuple.tuple("other", 2L));
    }

    @Test
    void theCapsApplyPerDaySoEarlierDaysNamesDoNotTakeTodaysPlaces() {
        UsageAggregates agg = new UsageAggregates(new UsageAggregates.Caps(2, 10, 10, 10, 1000, 30), CLOCK);
        // two keys fill the cap on an earlier day; a third key's calls that day fold into other
        for (String key : List.of("a", "b", "c")) {
            agg.add(call("2026-11-20T01:00:00Z", key, "gpt-4o", 1000, 0, 0, "0.0025", false, null));
        }
        // today the third key is named: what its own key asks of /tollgate/v1/usage finds its cost
        agg.add(call("2026-11-22T01:00:00Z", "c", "gpt-4o", 1000, 0, 0, "0.0025", false, null));

        StatsReport today = agg.query(new StatsQuery(StatsFixtures.TODAY, StatsFixtures.TODAY, ReportPeriod.DAY,
                List.of(GroupBy.of(Dimension.KEY)), StatsFilter.NONE, false).onlyKey("c"), CONTEXT);
        assertThat(today.summary().requests()).isEqualTo(1);
        assertThat(today.summary().totalCostUsd()).isEqualByComparingTo("0.0025");
        List<GroupRow> keys = agg.query(query(List.of(GroupBy.of(Dimension.KEY)), StatsFilter.NONE, false), CONTEXT)
                .groups().get("key");
        assertThat(keys).extracting(GroupRow::name, GroupRow::requests).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("a", 1L), org.assertj.core.groups.Tuple.tuple("b", 1L),
                org.assertj.core.groups.Tuple.tuple("c", 1L), org.assertj.core.groups.Tuple.tuple("other", 1L));
    }

    @Test
    void usersAndTagValuesPastTheCapFoldIntoOtherButKeepTheirCost() {
        UsageAggregates agg = new UsageAggregates(new UsageAggregates.Caps(10, 10, 1, 1, 1000, 30), CLOCK);
        for (int i = 0; i < 3; i++) {
            agg.add(new UsageRecord(Instant.parse("2026-11-22T01:00:00Z"), "r", "k", "/v1/chat/completions", "gpt-4o",
                    "gpt-4o", false, 200, 1000, 0, 0, 0, 1000, false, new BigDecimal("0.0025"), 1, 1, "user" + i,
                    Map.of("op", "v" + i), null));
        }

        StatsReport r = agg.query(query(List.of(GroupBy.of(Dimension.USER), GroupBy.parse("tag:op")), StatsFilter.NONE,
                false), CONTEXT);
        assertThat(r.groups().get("user")).extracting(GroupRow::name).containsExactlyInAnyOrder("user0", "other");
        assertThat(r.groups().get("tag:op")).extracting(GroupRow::name).containsExactlyInAnyOrder("v0", "other");
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo("0.0075");
    }

    @Test
    void cellsPerDayAreBoundedWhateverTheInput() {
        UsageAggregates agg = new UsageAggregates(new UsageAggregates.Caps(1000, 1000, 1000, 1000, 5, 30), CLOCK);
        for (int i = 0; i < 200; i++) {
            agg.add(new UsageRecord(Instant.parse("2026-11-22T01:00:00Z"), "r", "k" + i, "/v1/chat/completions",
                    "gpt-4o", "gpt-4o", false, 200, 10, 0, 0, 0, 10, false, new BigDecimal("0.000025"), 1, 1,
                    "u" + i, Map.of(), null));
        }

        int[] cells = {0};
        agg.forEachCell(StatsFixtures.TODAY, StatsFixtures.TODAY, (d, k, t) -> cells[0]++);
        assertThat(cells[0]).isLessThanOrEqualTo(5 + 1);
        StatsReport r = agg.query(query(List.of(), StatsFilter.NONE, false), CONTEXT);
        assertThat(r.summary().requests()).isEqualTo(200);
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo("0.005");
    }

    @Test
    void daysOlderThanTheWindowAreNotKept() {
        UsageAggregates agg = new UsageAggregates(new UsageAggregates.Caps(10, 10, 10, 10, 100, 2), CLOCK);
        agg.add(call("2026-11-20T01:00:00Z", "k", "gpt-4o", 1000, 0, 0, "0.0025", false, null));
        agg.add(call("2026-11-21T01:00:00Z", "k", "gpt-4o", 1000, 0, 0, "0.0025", false, null));

        StatsQuery kept = new StatsQuery(agg.firstDayKept(), TODAY, ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);
        assertThat(agg.query(kept, CONTEXT).summary().requests()).isEqualTo(1);
        // a range reaching past what is kept is refused, not answered with zeros for the days dropped
        assertThatThrownBy(() -> agg.query(query(List.of(), StatsFilter.NONE, false), CONTEXT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("since: " + FROM)
                .hasMessageContaining(agg.firstDayKept().toString()).hasMessageContaining("tollgate stats");
    }

    @Test
    void concurrentAddsAreAllCounted() throws Exception {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String key = "k" + (t % 2);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 5000; i++) {
                        agg.add(call("2026-11-22T01:00:00Z", key, "gpt-4o-mini", 1000, 0, 100, "0.00021", false, null));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        StatsReport r = agg.query(query(List.of(), StatsFilter.NONE, false), CONTEXT);
        assertThat(r.summary().requests()).isEqualTo(20_000);
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo("4.2");
    }

    @Test
    void spendSplitsByProviderFromMemoryAndFromTheLogAlike(@TempDir Path dir) throws Exception {
        UsageRecord[] calls = {
            routed(call("2026-11-22T01:00:00Z", "k", "claude-sonnet-4-6", 1000, 0, 100, "0.0045", false, null), "anthropic"),
            routed(call("2026-11-22T02:00:00Z", "k", "gpt-4o", 1000, 0, 100, "0.0035", false, null), "openai"),
            routed(call("2026-11-22T03:00:00Z", "k", "gpt-4o", 1000, 0, 100, "0.0035", false, null), "openai"),
            call("2026-11-22T04:00:00Z", "k", "gpt-4o", 1000, 0, 100, "0.0035", false, null)};
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        StringBuilder log = new StringBuilder();
        for (UsageRecord r : calls) {
            agg.add(r);
            log.append(tollgate.metering.log.UsageRecordJson.toJson(r)).append('\n');
        }
        Files.writeString(dir.resolve("usage-2026-11-22.jsonl"), log);
        StatsQuery q = query(List.of(GroupBy.parse("provider")), StatsFilter.NONE, false);

        StatsReport fromMemory = agg.query(q, CONTEXT);
        StatsReport fromFiles = StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), CONTEXT);
        assertThat(StatsFormatter.json(fromMemory)).isEqualTo(StatsFormatter.json(fromFiles));
        assertThat(fromMemory.groups().get("provider")).extracting(GroupRow::name, GroupRow::requests)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("openai", 2L),
                        org.assertj.core.groups.Tuple.tuple("anthropic", 1L),
                        org.assertj.core.groups.Tuple.tuple(GroupBy.NONE, 1L));
    }

    private static UsageRecord routed(UsageRecord r, String provider) {
        return new UsageRecord(r.ts(), r.requestId(), r.key(), r.endpoint(), r.model(), r.pricedAs(), r.stream(),
                r.status(), r.inputTokens(), r.cachedInputTokens(), r.outputTokens(), r.reasoningTokens(),
                r.totalTokens(), r.estimated(), r.costUsd(), r.durationMs(), r.ttfbMs(), r.user(), r.tags(), r.error(),
                new tollgate.metering.log.UsageUnits(r.units().counts(), null, provider, false));
    }

    private static String line(UsageRecord r) {
        return "{\"ts\":\"" + r.ts() + "\",\"request_id\":\"r\",\"key\":\"" + r.key() + "\",\"endpoint\":\""
                + r.endpoint() + "\",\"model\":\"" + r.model() + "\",\"priced_as\":\"" + r.pricedAs()
                + "\",\"input_tokens\":" + r.inputTokens() + ",\"cached_input_tokens\":0,\"output_tokens\":"
                + r.outputTokens() + ",\"total_tokens\":" + r.totalTokens() + ",\"estimated\":false,\"cost_usd\":"
                + r.costUsd().toPlainString() + ",\"tags\":{},\"error\":null}";
    }
}
