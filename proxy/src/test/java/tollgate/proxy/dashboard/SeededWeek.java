package tollgate.proxy.dashboard;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.usage.UnitCounts;

/**
 * A week of usage logs written before tollgate starts (its in-memory aggregates load them): three models, a
 * configured key and a fingerprinted one, users, tags, an estimated and a failed call, a cost past a thousand
 * dollars, and today's {@code storybot} spend at 84% of its $5 daily budget. The fingerprinted key's calls went
 * through an {@code azure} route (two providers to break down). Its warnings ({@code stats --warnings}): today's
 * spend of {@code storybot} and of {@code alice} over 3× their median day, and {@code o3-mini}'s failed call.
 */
final class SeededWeek {
    static final String MINI = "gpt-4o-mini-2024-07-18";
    static final String FOUR_O = "gpt-4o-2024-08-06";
    static final String O3 = "o3-mini";
    static final String AZURE = "azure";

    private SeededWeek() {
    }

    static void write(Path logDir) throws IOException {
        Files.createDirectories(logDir);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d = 6; d >= 0; d--) {
            LocalDate day = today.minusDays(d);
            List<String> lines = new ArrayList<>();
            int n = 0;
            lines.add(line(day, n++, "storybot", "/v1/chat/completions", MINI, "gpt-4o-mini", 1_250 + d, 256, 150, 0,
                    false, "0.0002775", "alice", "rag_answer", null));
            lines.add(line(day, n++, "fp-0123456789ab", "/v1/responses", FOUR_O, "gpt-4o", 12_000, 0, 2_000 + d, 0,
                    false, "0.05", "bob", "summarize", null));
            lines.add(line(day, n++, "storybot", "/v1/chat/completions", O3, "o3-mini", 3_000, 0, 900, 512,
                    d == 3, "0.0072633", null, "rag_answer", d == 2 ? "client_disconnected" : null));
            if (d == 5) {
                lines.add(line(day, n++, "fp-0123456789ab", "/v1/responses", FOUR_O, "gpt-4o", 1_234_567, 0, 98_765, 0,
                        false, "1234.5678901", "bob", "summarize", null));
            }
            if (d == 0) {
                lines.add(line(day, n++, "storybot", "/v1/chat/completions", FOUR_O, "gpt-4o", 400_000, 0, 320_000, 0,
                        false, "4.2", "alice", "rag_answer", null));
            }
            Files.write(logDir.resolve("usage-" + day + ".jsonl"), lines, StandardCharsets.UTF_8);
        }
    }

    private static String line(LocalDate day, int n, String key, String endpoint, String model, String pricedAs,
                               long input, long cached, long output, long reasoning, boolean estimated, String cost,
                               @Nullable String user, String operation, @Nullable String error) {
        return UsageRecordJson.toJson(new UsageRecord(day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(n),
                "seed-" + day + "-" + n, key, endpoint, model, pricedAs, false, error == null ? 200 : 499,
                input, cached, output, reasoning, input + output, estimated, new BigDecimal(cost), 800, 200,
                user, Map.of("operation", operation), error,
                new UsageUnits(UnitCounts.ZERO, null, key.startsWith("fp-") ? AZURE : null, false)));
    }
}
