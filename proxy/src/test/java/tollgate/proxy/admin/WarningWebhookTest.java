package tollgate.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.budget.BudgetAlertWebhook;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.report.UsageAggregates;
import tollgate.metering.report.WarningEvents;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.budget.BudgetEnforcementTest;

/**
 * {@code alerts.warnings}: today's spend warnings reach a real HTTP receiver through the budget alerts' webhook
 * sender, each once per kind, subject and day.
 */
class WarningWebhookTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    @TempDir
    Path dir;

    Path logDir;
    LocalDate today = LocalDate.of(2026, 12, 3);

    MockWebServer receiver;
    BudgetAlertWebhook webhook;
    final Clock clock = Clock.fixed(Instant.parse("2026-12-03T15:00:00Z"), ZoneId.of("UTC"));
    UsageAggregates aggregates;

    @BeforeEach
    void start() throws Exception {
        logDir = dir.resolve("logs");
        Files.createDirectories(logDir);
        receiver = new MockWebServer();
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        receiver.enqueue(new MockResponse.Builder().code(204).build());
        receiver.start();
        webhook = new BudgetAlertWebhook(receiver.url("/hooks/tollgate").uri());
    }

    @AfterEach
    void stop() throws Exception {
        webhook.close();
        receiver.close();
    }

    /** $1 a day for the 7 days before today, then {@code usdToday} dollars today (one call each). */
    private void aWeekThen(String key, String usdToday) throws Exception {
        for (int d = 7; d >= 1; d--) {
            log(call(today.minusDays(d), key, "1"));
        }
        aggregates(call(today, key, usdToday));
    }

    private UsageRecord call(LocalDate day, String key, String usd) {
        return new UsageRecord(day.atTime(10, 0).toInstant(ZoneOffset.UTC), "req-" + key + "-" + day, key,
                "/v1/chat/completions", "gpt-4o-2024-08-06", "gpt-4o", false, 200, 1000, 0, 100, 0, 1100, false,
                new BigDecimal(usd), 900, 300, null, Map.of(), null);
    }

    private void log(UsageRecord r) throws Exception {
        Path file = logDir.resolve("usage-" + LocalDate.ofInstant(r.ts(), ZoneOffset.UTC) + ".jsonl");
        Files.writeString(file, UsageRecordJson.toJson(r) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Today's call: in the log and in the live aggregates, as the usage log writer's listener adds it. */
    private void aggregates(UsageRecord today) throws Exception {
        log(today);
        if (aggregates != null) {
            aggregates.add(today);
        }
    }

    @Test
    void aNewWarningIsPostedOnceWithItsNumbersAndANewSubjectGetsItsOwnEvent() throws Exception {
        aWeekThen("storybot", "5");
        aggregates = new UsageAggregates(UsageAggregates.Caps.DEFAULT, clock);
        aggregates.load(logDir);
        WarningEvents events = new WarningEvents(logDir, aggregates, webhook::offer, clock);

        assertThat(events.run()).as("storybot's day: $5 > 3 × its median $1").isEqualTo(1);
        RecordedRequest first = receiver.takeRequest(10, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(first.getMethod()).isEqualTo("POST");
        assertThat(first.getTarget()).isEqualTo("/hooks/tollgate");
        assertThat(first.getHeaders().get("Content-Type")).isEqualTo("application/json");
        JsonNode event = JSON.readTree(first.getBody().utf8());
        assertThat(event.get("type").asText()).isEqualTo("spend_warning");
        assertThat(event.get("kind").asText()).isEqualTo("day_spend_spike");
        assertThat(event.get("scope").asText()).isEqualTo("key");
        assertThat(event.get("subject").asText()).isEqualTo("storybot");
        assertThat(event.get("day").asText()).isEqualTo("2026-12-03");
        assertThat(event.get("value").decimalValue()).isEqualByComparingTo("5");
        assertThat(event.get("threshold").decimalValue()).isEqualByComparingTo("3");
        assertThat(event.get("title").asText()).isEqualTo("key storybot spent $5.00 on 2026-12-03, 5.0× its usual day");
        assertThat(event.get("detail").asText()).contains("> 3 × the median $1.00 of the 7 days before");
        assertThat(event.get("ts").asText()).isEqualTo("2026-12-03T15:00:00Z");

        // the same warning, still true (and bigger) a scan later: not sent again
        aggregates(call(today, "storybot", "2"));
        assertThat(events.run()).isZero();

        // another key's spike is its own event; the receiver gets it next, with no repeat of storybot's between
        aWeekThen("mailer", "4");
        assertThat(events.run()).isEqualTo(1);
        RecordedRequest second = receiver.takeRequest(10, TimeUnit.SECONDS);
        assertThat(second).isNotNull();
        JsonNode next = JSON.readTree(second.getBody().utf8());
        assertThat(List.of(next.get("kind").asText(), next.get("subject").asText()))
                .containsExactly("day_spend_spike", "mailer");
        assertThat(events.run()).isZero();
        assertThat(receiver.getRequestCount()).isEqualTo(2);
    }

    @Test
    void alertsWarningsInTheConfigSendTodaysWarningsThroughTheAlertWebhook() throws Exception {
        today = LocalDate.now(ZoneOffset.UTC);
        aWeekThen("storybot", "5");
        String yaml = BudgetEnforcementTest.config("reserve", "50") + "alerts:\n  webhook_url: '"
                + receiver.url("/hooks/tollgate") + "'\n  warnings: true\n";
        try (TestTollgate tg = TestTollgate.start("http://127.0.0.1:9", dir, yaml, BudgetEnforcementTest.ENV)) {
            assertThat(tg.app.checkWarningsNow()).isEqualTo(1);
            RecordedRequest got = receiver.takeRequest(10, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            JsonNode event = JSON.readTree(got.getBody().utf8());
            assertThat(List.of(event.get("type").asText(), event.get("kind").asText(), event.get("subject").asText(),
                    event.get("day").asText())).containsExactly("spend_warning", "day_spend_spike", "storybot", today.toString());
            assertThat(got.getBody().utf8()).doesNotContain(BudgetEnforcementTest.KEY);
            assertThat(tg.app.checkWarningsNow()).isZero();
        }
        try (TestTollgate without = TestTollgate.start("http://127.0.0.1:9", dir.resolve("other"),
                BudgetEnforcementTest.config("reserve", "50"), BudgetEnforcementTest.ENV)) {
            assertThat(without.app.checkWarningsNow()).as("not asked for").isEqualTo(-1);
        }
    }
}
