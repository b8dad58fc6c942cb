package tollgate.metering.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tollgate.config.MetricsConfig;
import tollgate.metering.budget.MutableClock;
import tollgate.metering.log.TestRecords;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.usage.UnitCounts;

class TollgateMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TollgateMetrics metrics = new TollgateMetrics(registry, MetricsConfig.DEFAULT);

    @Test
    void scrapeHasSpecNamesAndLabelsExactly() {
        metrics.request("storybot", "gpt-4o", null, "/v1/chat/completions", 200);
        metrics.usage(TestRecords.of("storybot", "gpt-4o-mini", true, 1250, 200, 150, 64, new BigDecimal("0.0002775")));
        metrics.usage(TestRecords.of("storybot", "my-finetune", false, 10, 0, 5, 0, null));
        metrics.latency(null, "/v1/chat/completions", true, 2_000_000_000L, 300_000_000L, 120_000L);
        metrics.budget("storybot", "daily", new BigDecimal("5"), new BigDecimal("1.25"), new BigDecimal("3.75"));
        metrics.budgetRejection("storybot", "key", "daily");
        metrics.budgetRejection("storybot", "user", "daily");
        metrics.budgetAlert("storybot", "key", "monthly");
        metrics.budgetAlert("", "global", "daily");
        metrics.usageLogCounters().recordWritten();
        metrics.usageLogCounters().failure();
        metrics.backpressurePause();
        metrics.budgetStoreFailure();

        assertThat(metrics.scrape(null)).contains(
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"storybot\",model=\"gpt-4o\",provider=\"\",status=\"200\"} 1.0",
                "tollgate_tokens_total{estimated=\"true\",key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\",type=\"input\"} 1250.0",
                "tollgate_tokens_total{estimated=\"true\",key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\",type=\"cached_input\"} 200.0",
                "tollgate_tokens_total{estimated=\"true\",key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\",type=\"output\"} 150.0",
                "tollgate_tokens_total{estimated=\"true\",key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\",type=\"reasoning\"} 64.0",
                "tollgate_cost_usd_total{key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\"} 2.775E-4",
                "tollgate_budget_limit_usd{key=\"storybot\",window=\"daily\"} 5.0",
                "tollgate_budget_spent_usd{key=\"storybot\",window=\"daily\"} 1.25",
                "tollgate_budget_remaining_usd{key=\"storybot\",window=\"daily\"} 3.75",
                "tollgate_budget_rejections_total{key=\"storybot\",scope=\"key\",window=\"daily\"} 1.0",
                "tollgate_budget_rejections_total{key=\"storybot\",scope=\"user\",window=\"daily\"} 1.0",
                "tollgate_budget_alerts_total{key=\"storybot\",scope=\"key\",window=\"monthly\"} 1.0",
                "tollgate_budget_alerts_total{key=\"\",scope=\"global\",window=\"daily\"} 1.0",
                "# TYPE tollgate_request_duration_seconds histogram",
                "tollgate_request_duration_seconds_bucket{endpoint=\"/v1/chat/completions\",provider=\"\",stream=\"true\",le=\"2.5\"} 1",
                "# TYPE tollgate_upstream_ttfb_seconds histogram",
                "tollgate_upstream_ttfb_seconds_bucket{endpoint=\"/v1/chat/completions\",provider=\"\",stream=\"true\",le=\"0.5\"} 1",
                "# TYPE tollgate_overhead_seconds histogram",
                "tollgate_overhead_seconds_bucket{endpoint=\"/v1/chat/completions\",provider=\"\",stream=\"true\",le=\"2.5E-4\"} 1",
                "tollgate_overhead_seconds_bucket{endpoint=\"/v1/chat/completions\",provider=\"\",stream=\"true\",le=\"1.0E-4\"} 0",
                "tollgate_unpriced_requests_total{model=\"my-finetune\"} 1.0",
                "tollgate_usage_log_records_total 1.0",
                "tollgate_usage_log_failures_total 1.0",
                "tollgate_backpressure_pauses_total 1.0",
                "tollgate_budget_store_failures_total 1.0");
    }

    @Test
    void unitsAndUnpricedTiersAreCounted() {
        TollgateMetrics m = metrics;
        UsageRecord base = TestRecords.of("storybot", "gpt-4o-audio-preview", false, 100, 0, 50, 0, new BigDecimal("0.01"));
        UsageUnits units = new UsageUnits(new UnitCounts(0, 30, 40, 0, 2, 0, new BigDecimal("1.5"), 0), "flex", null, false);
        m.usage(new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(), base.pricedAs(),
                base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(), base.outputTokens(),
                base.reasoningTokens(), base.totalTokens(), base.estimated(), base.costUsd(), base.durationMs(),
                base.ttfbMs(), base.user(), base.tags(), base.error(), units));
        m.unpricedTier("gpt-5");
        assertThat(m.scrape(null)).contains(
                "tollgate_units_total{model=\"gpt-4o-audio-preview\",unit=\"audio_input_tokens\"} 30.0",
                "tollgate_units_total{model=\"gpt-4o-audio-preview\",unit=\"audio_output_tokens\"} 40.0",
                "tollgate_units_total{model=\"gpt-4o-audio-preview\",unit=\"web_search_calls\"} 2.0",
                "tollgate_units_total{model=\"gpt-4o-audio-preview\",unit=\"audio_seconds\"} 1.5",
                "tollgate_unpriced_tier_total{model=\"gpt-5\"} 1.0")
                .doesNotContain("unit=\"images\"");
    }

    @Test
    void callsThroughRoutesCarryTheirProvider() {
        UsageRecord base = TestRecords.of("k", "claude-sonnet-4-5", false, 100, 0, 50, 0, new BigDecimal("0.25"));
        UsageRecord routed = new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(),
                base.pricedAs(), base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(),
                base.outputTokens(), base.reasoningTokens(), base.totalTokens(), base.estimated(), base.costUsd(),
                base.durationMs(), base.ttfbMs(), base.user(), base.tags(), base.error(),
                new UsageUnits(UnitCounts.ZERO, null, "anthropic", false));
        metrics.request("k", "claude-sonnet-4-5", "anthropic", "/v1/messages", 200);
        metrics.usage(routed);
        metrics.latency("anthropic", "/v1/messages", true, 2_000_000_000L, 300_000_000L, 120_000L);
        metrics.upstreamConnectError("gemini");
        metrics.upstreamConnectError("gemini");
        metrics.upstreamConnectError(null);

        assertThat(metrics.scrape(null)).contains(
                "tollgate_requests_total{endpoint=\"/v1/messages\",key=\"k\",model=\"claude-sonnet-4-5\",provider=\"anthropic\",status=\"200\"} 1.0",
                "tollgate_tokens_total{estimated=\"false\",key=\"k\",model=\"claude-sonnet-4-5\",provider=\"anthropic\",type=\"output\"} 50.0",
                "tollgate_cost_usd_total{key=\"k\",model=\"claude-sonnet-4-5\",provider=\"anthropic\"} 0.25",
                "tollgate_upstream_ttfb_seconds_count{endpoint=\"/v1/messages\",provider=\"anthropic\",stream=\"true\"} 1",
                "tollgate_upstream_connect_errors_total{provider=\"gemini\"} 2.0",
                "tollgate_upstream_connect_errors_total{provider=\"\"} 1.0");
    }

    @Test
    void providersPastTheirCapReportAsOther() {
        for (int i = 0; i < TollgateMetrics.MAX_PROVIDERS + 5; i++) {
            metrics.upstreamConnectError("p" + i);
        }
        String text = metrics.scrape(null);
        assertThat(text).contains("tollgate_upstream_connect_errors_total{provider=\"other\"} 5.0")
                .doesNotContain("provider=\"p" + TollgateMetrics.MAX_PROVIDERS + "\"");
    }

    @Test
    void histogramsSpanSubMillisecondOverheadAndTenMinuteCalls() {
        metrics.latency(null, "/v1/responses", false, 599_000_000_000L, 1_000_000L, 20_000L);
        String text = metrics.scrape(null);
        assertThat(text).contains(
                "tollgate_overhead_seconds_bucket{endpoint=\"/v1/responses\",provider=\"\",stream=\"false\",le=\"2.5E-5\"} 1",
                "tollgate_request_duration_seconds_bucket{endpoint=\"/v1/responses\",provider=\"\",stream=\"false\",le=\"300.0\"} 0",
                "tollgate_request_duration_seconds_bucket{endpoint=\"/v1/responses\",provider=\"\",stream=\"false\",le=\"600.0\"} 1");
    }

    @Test
    void negativeTimingIsNotRecorded() {
        metrics.latency(null, "/v1/embeddings", false, 5_000_000L, -1, 10_000L);
        assertThat(metrics.scrape(null))
                .contains("tollgate_request_duration_seconds_count{endpoint=\"/v1/embeddings\",provider=\"\",stream=\"false\"} 1")
                .contains("tollgate_upstream_ttfb_seconds_count{endpoint=\"/v1/embeddings\",provider=\"\",stream=\"false\"} 0");
    }

    @Test
    void costSumIsExactWhereDoubleAdditionDrifts() {
        double drifting = 0;
        for (int i = 0; i < 10; i++) {
            metrics.usage(TestRecords.of("k", "m", false, 1, 0, 1, 0, new BigDecimal("0.1")));
            drifting += 0.1;
        }
        assertThat(drifting).isNotEqualTo(1.0);
        assertThat(metrics.scrape(null)).contains("tollgate_cost_usd_total{key=\"k\",model=\"m\",provider=\"\"} 1.0\n");
    }

    @Test
    void keysAndModelsPastTheCapReportAsOther() {
        TollgateMetrics capped = new TollgateMetrics(registry, new MetricsConfig(2, 1));
        capped.request("a", "m1", null, "/v1/chat/completions", 200);
        capped.request("b", "m2", null, "/v1/chat/completions", 200);
        capped.request("c", "m1", null, "/v1/chat/completions", 200);
        capped.request("a", "m1", null, "/v1/chat/completions", 200);

        assertThat(capped.scrape(null)).contains(
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"a\",model=\"m1\",provider=\"\",status=\"200\"} 2.0",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"b\",model=\"other\",provider=\"\",status=\"200\"} 1.0",
                "tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"other\",model=\"m1\",provider=\"\",status=\"200\"} 1.0")
                .doesNotContain("key=\"c\"", "model=\"m2\"");
    }

    @Test
    void pathsOtherThanMeteredEndpointsReportAsOther() {
        metrics.request("k", null, null, "/v1/files/file-abc123", 200);
        metrics.request("k", null, null, "/v1/chat/completions/?x=1", 200);
        assertThat(metrics.scrape(null))
                .contains("tollgate_requests_total{endpoint=\"other\",key=\"k\",model=\"unknown\",provider=\"\",status=\"200\"} 1.0")
                .contains("tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"k\",model=\"unknown\",provider=\"\",status=\"200\"} 1.0")
                .doesNotContain("file-abc123");
    }

    @Test
    void metersAreRegisteredOncePerLabelSet() {
        metrics.request("k", "m", null, "/v1/chat/completions", 200);
        metrics.usage(TestRecords.of("k", "m", false, 1, 0, 1, 0, BigDecimal.ONE));
        int meters = registry.getMeters().size();
        for (int i = 0; i < 100; i++) {
            metrics.request("k", "m", null, "/v1/chat/completions", 200);
            metrics.usage(TestRecords.of("k", "m", false, 1, 0, 1, 0, BigDecimal.ONE));
        }
        assertThat(registry.getMeters()).hasSize(meters);
        assertThat(metrics.scrape(null)).contains("tollgate_cost_usd_total{key=\"k\",model=\"m\",provider=\"\"} 101.0");
    }

    @Test
    void budgetsNoLongerConfiguredDisappearFromTheScrape() {
        metrics.budget("k", "daily", BigDecimal.TEN, BigDecimal.ONE, new BigDecimal("9"));
        metrics.budget("k", "monthly", BigDecimal.TEN, BigDecimal.ONE, new BigDecimal("9"));
        metrics.budget("gone", "daily", BigDecimal.TEN, BigDecimal.ONE, new BigDecimal("9"));
        // a reload kept k's monthly window only
        metrics.retainBudgets((key, window) -> key.equals("k") && window.equals("monthly"));
        assertThat(metrics.scrape(null)).contains("tollgate_budget_limit_usd{key=\"k\",window=\"monthly\"}")
                .doesNotContain("window=\"daily\"").doesNotContain("key=\"gone\"");
    }

    @Test
    void budgetGaugesOfAWindowThatEndedReadTheNextWindowUntilTheKeyCallsAgain() {
        MutableClock clock = MutableClock.at("2030-11-22T23:59:00Z");
        metrics.budget("k", "daily", new BigDecimal("5"), new BigDecimal("1.25"), new BigDecimal("3.75"),
                Instant.parse("2030-11-23T00:00:00Z"), clock);
        metrics.budget("k", "total", new BigDecimal("50"), new BigDecimal("1.25"), new BigDecimal("48.75"), null,
                clock);
        assertThat(metrics.scrape(null)).contains("tollgate_budget_spent_usd{key=\"k\",window=\"daily\"} 1.25",
                "tollgate_budget_remaining_usd{key=\"k\",window=\"daily\"} 3.75");

        clock.advance(Duration.ofMinutes(1)); // midnight: the daily window the gauges were set in has ended

        assertThat(metrics.scrape(null)).contains("tollgate_budget_limit_usd{key=\"k\",window=\"daily\"} 5.0",
                "tollgate_budget_spent_usd{key=\"k\",window=\"daily\"} 0.0",
                "tollgate_budget_remaining_usd{key=\"k\",window=\"daily\"} 5.0",
                "tollgate_budget_spent_usd{key=\"k\",window=\"total\"} 1.25");
    }

    @Test
    void openMetricsWhenAskedForElsePrometheusText() {
        metrics.request("k", "m", null, "/v1/embeddings", 200);
        String accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

        assertThat(TollgateMetrics.contentType(accept)).startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(metrics.scrape(accept)).contains("tollgate_requests_total{").endsWith("# EOF\n");
        assertThat(TollgateMetrics.contentType("*/*")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(TollgateMetrics.contentType(null)).isEqualTo(TollgateMetrics.CONTENT_TYPE_PROMETHEUS);
        assertThat(metrics.scrape(null)).doesNotContain("# EOF");
    }
}
