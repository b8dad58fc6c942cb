package tollgate.metering.report;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.metering.log.UsageLogReader;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;

/** The test price table, clock and log folder shared by the report tests (see resources/report/README.md). */
final class StatsFixtures {
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final LocalDate TODAY = LocalDate.of(2026, 11, 22);
    static final LocalDate FROM = LocalDate.of(2026, 11, 19);

    /** gpt-4o 2.50/1.25/10.00 (cheaper alternative gpt-4o-mini), gpt-4o-mini 0.15/0.075/0.60, text-embedding-3-small 0.02. */
    static final PricingTable PRICES = prices("/report/prices.yaml");
    static final StatsContext CONTEXT = StatsContext.of(PRICES, CLOCK);

    private StatsFixtures() {
    }

    static PricingTable prices(String resource) {
        try {
            return PricingTable.load(Path.of(StatsFixtures.class.getResource(resource).toURI()));
        } catch (URISyntaxException | PricingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path logDir() {
        try {
            return Path.of(StatsFixtures.class.getResource("/report/logs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static StatsQuery query(List<GroupBy> by, StatsFilter filter, boolean suggestions) {
        return new StatsQuery(FROM, TODAY, ReportPeriod.DAY, by, filter, suggestions);
    }

    static StatsReport fromLog(StatsQuery q) {
        UsageCube cube = LogScope.of(q).read(logDir(), 2);
        return StatsCalculator.compute(q, cube, CONTEXT);
    }

    /** Every readable record of the fixture log, as the proxy would have handed them to the aggregates. */
    static List<UsageRecord> records() throws IOException {
        List<UsageRecord> out = new ArrayList<>();
        new UsageLogReader(logDir()).read(LocalDate.MIN, LocalDate.MAX, line -> out.add(line.toRecord()));
        return out;
    }

    /** Writes {@code lines} (SPEC 8 log lines) to {@code dir/usage-DAY.jsonl}, appending. */
    static void writeDay(Path dir, String day, String... lines) {
        try {
            java.nio.file.Files.writeString(dir.resolve("usage-" + day + ".jsonl"), String.join("\n", lines) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One chat call's log line with the given time, key, priced model, tokens, cost, duration and error. */
    static String line(String ts, String key, String model, long input, long output, String cost, long durationMs,
                       String error) {
        return "{\"ts\":\"" + ts + "\",\"request_id\":\"r\",\"key\":\"" + key
                + "\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"" + model + "\",\"priced_as\":\"" + model
                + "\",\"stream\":false,\"status\":200,\"input_tokens\":" + input + ",\"cached_input_tokens\":0,"
                + "\"output_tokens\":" + output + ",\"reasoning_tokens\":0,\"total_tokens\":" + (input + output)
                + ",\"estimated\":false,\"cost_usd\":" + cost + ",\"duration_ms\":" + durationMs
                + ",\"ttfb_ms\":1,\"user\":null,\"tags\":{},\"error\":" + (error == null ? "null" : "\"" + error + "\"")
                + "}";
    }

    /** A record with the given tokens and cost; everything else plain. */
    static UsageRecord call(String ts, String key, String model, long input, long cached, long output,
                            String cost, boolean estimated, String error) {
        return new UsageRecord(Instant.parse(ts), "r", key, "/v1/chat/completions", model, cost == null ? null : model,
                true, 200, input, cached, output, 0, input + output, estimated,
                cost == null ? null : new BigDecimal(cost), 10, 5, null, Map.of(), error);
    }
}
