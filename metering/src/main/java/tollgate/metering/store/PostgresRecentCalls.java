package tollgate.metering.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
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
            ORDER BY ts DESC LIMIT ?
            """;

    private final StoreConfig config;

    public PostgresRecentCalls(StoreConfig config) {
        this.config = config;
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
        List<UsageRecord> out = new ArrayList<>(limit);
        try (Connection c = PostgresStore.connect(config);
             PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, key);
            ps.setString(2, key);
            ps.setString(3, model);
            ps.setString(4, model);
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(record(rs));
                }
            }
        } catch (SQLException e) {
            throw new UncheckedIOException(StoreException.of(config, e).getMessage(), new IOException(e));
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
