package tollgate.metering.log;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Usage records for tests: SPEC 8's example line and variations of it. */
public final class TestRecords {
    /** SPEC 8's example as written before SPEC 12's fields, with "…" replaced by a request id. */
    public static final String SPEC8_LINE = "{\"ts\":\"2026-11-22T10:30:45.123Z\",\"request_id\":\"req-1\","
            + "\"key\":\"storybot\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini-2024-07-18\","
            + "\"priced_as\":\"gpt-4o-mini\",\"stream\":true,\"status\":200,\"input_tokens\":1250,"
            + "\"cached_input_tokens\":0,\"output_tokens\":150,\"reasoning_tokens\":0,\"total_tokens\":1400,"
            + "\"estimated\":false,\"cost_usd\":0.0002775,\"duration_ms\":2340,\"ttfb_ms\":310,\"user\":\"123\","
            + "\"tags\":{\"operation\":\"rag_answer\"},\"error\":null}";
    /** SPEC 8's example with SPEC 12's fields after it, as the writer writes it. */
    public static final String SPEC_EXAMPLE_LINE = SPEC8_LINE.substring(0, SPEC8_LINE.length() - 1)
            + ",\"cache_write_tokens\":0,\"cache_write_1h_tokens\":0,\"audio_input_tokens\":0,\"audio_output_tokens\":0,\"image_output_tokens\":0,"
            + "\"web_search_calls\":0,\"images\":0,\"audio_seconds\":0,\"characters\":0,\"service_tier\":null,"
            + "\"provider\":null,\"batch\":false,\"unpriced\":false}";

    private TestRecords() {
    }

    public static UsageRecord specExample() {
        return new UsageRecord(Instant.parse("2026-11-22T10:30:45.123Z"), "req-1", "storybot", "/v1/chat/completions",
                "gpt-4o-mini-2024-07-18", "gpt-4o-mini", true, 200, 1250, 0, 150, 0, 1400, false,
                new BigDecimal("0.0002775"), 2340, 310, "123", Map.of("operation", "rag_answer"), null);
    }

    public static UsageRecord at(Instant ts, String requestId) {
        return new UsageRecord(ts, requestId, "storybot", "/v1/chat/completions", "gpt-4o-mini", "gpt-4o-mini", false,
                200, 100, 0, 20, 0, 120, false, new BigDecimal("0.000027"), 500, 100, null, Map.of(), null);
    }

    public static UsageRecord of(String key, String model, boolean estimated, long input, long cached, long output,
                                 long reasoning, @Nullable BigDecimal cost) {
        return new UsageRecord(Instant.parse("2026-11-22T10:30:45.123Z"), "req", key, "/v1/chat/completions", model,
                model, false, 200, input, cached, output, reasoning, input + output, estimated, cost, 1, 1, null,
                Map.of(), null);
    }
}
