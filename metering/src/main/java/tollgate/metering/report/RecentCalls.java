package tollgate.metering.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.LocalDate;
import java.util.List;
import java.util.StringJoiner;
import java.util.TreeMap;
import tollgate.metering.log.UsageLogReader;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;

/**
 * The latest calls ({@code tollgate recent}, {@code /tollgate/v1/usage/recent}): the newest records of the usage
 * log that pass a {@link StatsFilter}, read from the log's tail ({@link UsageLogReader#newest}), newest first.
 */
public final class RecentCalls {
    /** The most a caller can ask for at once. */
    public static final int MAX_LIMIT = 10_000;

    private RecentCalls() {
    }

    /**
     * Reads the newest {@code limit} calls of {@code dir} that pass {@code filter} ({@code --model} matches the
     * priced name too, as in {@code stats}); blocking file I/O.
     */
    public static List<UsageRecord> read(Path dir, int limit, StatsFilter filter) throws IOException {
        return read(dir, limit, filter, LocalDate.MIN);
    }

    /** {@link #read(Path, int, StatsFilter)} of the days from {@code from} (UTC) on. */
    public static List<UsageRecord> read(Path dir, int limit, StatsFilter filter, LocalDate from) throws IOException {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + MAX_LIMIT + ")");
        }
        return new UsageLogReader(dir).newest(limit, filter::matches, from);
    }

    /** A JSON array of the records as log lines (SPEC 8's fields), newest first. */
    public static String json(List<UsageRecord> calls) {
        StringJoiner out = new StringJoiner(",", "[", "]");
        calls.forEach(r -> out.add(UsageRecordJson.toJson(r)));
        return out.toString();
    }

    /** One aligned row per call, newest first, money as the stats table writes it. */
    public static String table(List<UsageRecord> calls) {
        if (calls.isEmpty()) {
            return "No calls.\n";
        }
        List<String[]> rows = new ArrayList<>();
        for (UsageRecord r : calls) {
            StringJoiner tags = new StringJoiner(",");
            new TreeMap<>(r.tags()).forEach((name, value) -> tags.add(name + "=" + value));
            rows.add(new String[] {StatsTableFormatter.TIME.format(r.ts()), r.key(), r.user() == null ? "-" : r.user(),
                    r.model() == null ? "-" : r.model(), r.endpoint(), Amounts.count(r.inputTokens()),
                    Amounts.count(r.outputTokens()), r.costUsd() == null ? "unpriced" : Amounts.usd(r.costUsd()),
                    Amounts.count(r.durationMs()) + " ms", r.error() == null ? Integer.toString(r.status()) : r.error(),
                    tags.toString()});
        }
        StringBuilder out = new StringBuilder();
        StatsTableFormatter.columns(out, new String[] {"TIME (UTC)", "KEY", "USER", "MODEL", "ENDPOINT", "IN", "OUT",
                "COST", "DURATION", "STATUS", "TAGS"}, rows);
        return out.toString();
    }
}
