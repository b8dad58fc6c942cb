package tollgate.metering.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.report.RecentCalls;
import tollgate.metering.usage.UnitCounts;

/**
 * The fleet's newest calls, read from {@code log.store}'s records (issue 20: {@code /admin/usage/recent} and the
 * dashboard's latest calls on any replica show every replica's), newest first, as the usage log has them. Blocking:
 * an admin thread, never an event loop.
 */
public final class PostgresRecentCalls {
    private static final String SELECT = """
            SELECT ts, request_id, key, endpoint, model, priced_as, stream, status, input_tokens, cached_input_tokens,
              output_tokens, reasoning_tokens, total_tokens, estimated, cost_usd, duration_ms, ttfb_ms, "user",
              tags::text, error, cache_write_tokens, cache_write_1h_tokens, audio_input_tokens, audio_output_tokens,
              image_output_tokens, web_search_calls, images, audio_seconds, characters, service_tier, provider, batch
            FROM usage_records
            WHERE (?::text IS NULL OR key = ?) AND (?::text IS NULL OR model = ?)
            """;
    private static final String NEWEST = " ORDER BY ts DESC LIMIT ?";
    /** The same within a horizon: the partitions of its days and (BRIN, migration 5) the block ranges of its times. */
    private static final String WITHIN = SELECT + " AND ts >= ? AND day >= ?" + NEWEST;
    /**
     * How far back to look, widening only while fewer calls than asked are found: the newest calls are all within a
     * horizon that holds as many as asked, so the answer is the one a scan of the whole table would give.
     */
    private static final List<Duration> HORIZONS = List.of(Duration.ofMinutes(1), Duration.ofHours(1),
            Duration.ofDays(1), Duration.ofDays(31));

    private final StoreConfig config;
    private final Clock clock;

    public PostgresRecentCalls(StoreConfig config) {
        this(config, Clock.systemUTC());
    }

    PostgresRecentCalls(StoreConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * The newest {@code limit} calls of every replica, of one key and one model (as the call named it) when given,
     * as this replica's {@code /admin/usage/recent} filters its own.
     *
     * @throws UncheckedIOException naming {@code log.store} (without the password) when the database cannot be read
     */
    public List<UsageRecord> newest(int limit, @Nullable String key, @Nullable String model) {
        if (limit < 1 || limit > RecentCalls.MAX_LIMIT) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 1.." + RecentCalls.MAX_LIMIT + ")");
        }
        Instant now = clock.instant();
        try (Connection c = PostgresStore.connect(config)) {
            for (Duration h : HORIZONS) {
                Instant since = now.minus(h);
                List<UsageRecord> out = query(c, WITHIN, limit, key, model, since);
                if (out.size() == limit) {
                    return out;
                }
            }
            return query(c, SELECT + NEWEST, limit, key, model, null);
        } catch (SQLException e) {
            throw new UncheckedIOException(StoreException.of(config, e).getMessage(), new IOException(e));
        }
    }

    private static List<UsageRecord> query(Connection c, String sql, int limit, @Nullable String key,
            @Nullable String model, @Nullable Instant since) throws SQLException {
        List<UsageRecord> out = new ArrayList<>(limit);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, key);
            ps.setString(i++, key);
            ps.setString(i++, model);
            ps.setString(i++, model);
            if (since != null) {
                ps.setObject(i++, since.atOffset(ZoneOffset.UTC));
                // a record sits in its ts's UTC day: the partitions before the horizon's day are not read
                ps.setObject(i++, LocalDate.ofInstant(since, ZoneOffset.UTC));
            }
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(record(rs));
                }
            }
        }
        return out;
    }

    private static UsageRecord record(ResultSet rs) throws SQLException {
        int i = 1;
        Instant ts = rs.getTimestamp(i++).toInstant();
        String requestId = rs.getString(i++);
        String key = rs.getString(i++);
        String endpoint = rs.getString(i++);
        String model = rs.getString(i++);
        String pricedAs = rs.getString(i++);
        boolean stream = rs.getBoolean(i++);
        int status = rs.getInt(i++);
        long input = rs.getLong(i++);
        long cached = rs.getLong(i++);
        long output = rs.getLong(i++);
        long reasoning = rs.getLong(i++);
        long total = rs.getLong(i++);
        boolean estimated = rs.getBoolean(i++);
        java.math.BigDecimal cost = rs.getBigDecimal(i++);
        long duration = rs.getLong(i++);
        long ttfb = rs.getLong(i++);
        String user = rs.getString(i++);
        Map<String, String> tags = Json.strings(rs.getString(i++), "usage_records.tags");
        String error = rs.getString(i++);
        long cacheWrite = rs.getLong(i++);
        long cacheWrite1h = rs.getLong(i++);
        UnitCounts counts = new UnitCounts(cacheWrite, rs.getLong(i++), rs.getLong(i++), rs.getLong(i++),
                rs.getLong(i++), rs.getLong(i++), rs.getBigDecimal(i++), rs.getLong(i++), cacheWrite1h);
        UsageUnits units = new UsageUnits(counts, rs.getString(i++), rs.getString(i++), rs.getBoolean(i));
        return new UsageRecord(ts, requestId, key, endpoint, model, pricedAs, stream, status, input, cached, output,
                reasoning, total, estimated, cost, duration, ttfb, user, tags, error, units);
    }
}
