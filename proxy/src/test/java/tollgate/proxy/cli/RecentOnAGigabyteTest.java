package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;

/**
 * Issue 18's "{@code recent} on a 1 GB log": {@code tollgate recent} answers from the log's tail. The day file is a
 * 1 GiB sparse file (no disk used, written in no time) whose last calls are real usage lines; the command's answer
 * is checked here, its time in {@code bench/recent-1gb.sh} (timings belong to the bench, not to CI).
 */
class RecentOnAGigabyteTest {
    @TempDir
    Path logDir;

    @Test
    void recentOnAGigabyteLogAnswersTheNewestCallsOfTheFilterNewestFirst() throws Exception {
        Path day = logDir.resolve("usage-2026-12-02.jsonl");
        try (RandomAccessFile f = new RandomAccessFile(day.toFile(), "rw")) {
            f.setLength(1L << 30);
            f.seek(f.length());
            StringBuilder tail = new StringBuilder("\n");
            for (int i = 0; i < 200; i++) {
                tail.append(UsageRecordJson.toJson(call(i))).append('\n');
            }
            f.write(tail.toString().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(day.toFile().length()).isGreaterThan(1L << 30);

        JsonNode all = recent("--limit", "20");
        assertThat(all).hasSize(20);
        assertThat(all.get(0).get("request_id").asText()).isEqualTo("req-199");
        assertThat(all.get(19).get("request_id").asText()).isEqualTo("req-180");

        // one key's calls (every third), newest first, with their exact cost
        JsonNode mailer = recent("--limit", "5", "--key", "mailer");
        List<String> ids = new ArrayList<>();
        mailer.forEach(r -> ids.add(r.get("request_id").asText()));
        assertThat(ids).containsExactly("req-198", "req-195", "req-192", "req-189", "req-186");
        assertThat(mailer.get(0).get("cost_usd").decimalValue()).isEqualByComparingTo("0.000198");
    }

    private static UsageRecord call(int i) {
        return new UsageRecord(Instant.parse("2026-12-02T10:00:00Z").plusSeconds(i), "req-" + i,
                i % 3 == 0 ? "mailer" : "storybot", "/v1/chat/completions", "gpt-4o-mini-2024-07-18", "gpt-4o-mini",
                false, 200, 100 + i, 0, 10, 0, 110 + i, false, BigDecimal.valueOf(i, 6), 300, 100, null, Map.of(), null);
    }

    private JsonNode recent(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("recent", "--log-dir", logDir.toString(), "--format", "json"));
        all.addAll(List.of(args));
        CliTest.Run run = CliTest.inProcess(all.toArray(String[]::new));
        assertThat(run.code()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }
}
