package tollgate.metering.report;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.Projection;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.report.StatsReport.Suggestion;
import tollgate.metering.report.StatsReport.Summary;
import tollgate.metering.usage.UnitCounts;

/**
 * Writes the SPEC 8 tree field by field to any Jackson generator (JSON or YAML), so both formats carry the
 * same names in the same order. Money is written as plain decimals: the generator must have
 * {@code WRITE_BIGDECIMAL_AS_PLAIN} on.
 */
final class StatsTreeWriter {
    private StatsTreeWriter() {
    }

    static void write(StatsReport r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("from", r.from().toString());
        g.writeStringField("to", r.to().toString());
        g.writeStringField("period", r.period().id());
        filters(r.filters(), g);
        summary(r.summary(), g);
        g.writeArrayFieldStart("series");
        for (SeriesPoint p : r.series()) {
            g.writeStartObject();
            g.writeStringField("start", p.start().toString());
            g.writeNumberField("requests", p.requests());
            g.writeNumberField("total_tokens", p.totalTokens());
            g.writeNumberField("total_cost_usd", p.totalCostUsd());
            units(p.units(), g);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("groups");
        for (Map.Entry<String, List<GroupRow>> e : r.groups().entrySet()) {
            g.writeArrayFieldStart(e.getKey());
            for (GroupRow row : e.getValue()) {
                g.writeStartObject();
                g.writeStringField("name", row.name());
                g.writeNumberField("requests", row.requests());
                g.writeNumberField("total_tokens", row.totalTokens());
                g.writeNumberField("total_cost_usd", row.totalCostUsd());
                g.writeNumberField("cost_share", row.costShare());
                g.writeNumberField("input_tokens", row.inputTokens());
                g.writeNumberField("output_tokens", row.outputTokens());
                g.writeNumberField("avg_tokens_per_request", row.avgTokensPerRequest());
                g.writeNumberField("success_requests", row.successRequests());
                g.writeNumberField("error_requests", row.errorRequests());
                g.writeNumberField("p50_duration_ms", row.p50DurationMs());
                g.writeNumberField("p95_duration_ms", row.p95DurationMs());
                g.writeNumberField("cache_hit_rate", row.cacheHitRate());
                text(g, "first_ts", row.firstTs() == null ? null : row.firstTs().toString());
                text(g, "last_ts", row.lastTs() == null ? null : row.lastTs().toString());
                units(row.units(), g);
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        projection(r.projection(), g);
        g.writeArrayFieldStart("suggestions");
        for (Suggestion s : r.suggestions()) {
            g.writeStartObject();
            g.writeStringField("rule", s.rule());
            g.writeStringField("title", s.title());
            g.writeStringField("detail", s.detail());
            money(g, "potential_savings_usd", s.potentialSavingsUsd());
            g.writeStringField("action", s.action());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("skipped_lines", r.skippedLines());
        if (r.whatIf() != null) {
            whatIf(r.whatIf(), g);
        }
        if (r.warnings() != null) {
            g.writeArrayFieldStart("warnings");
            for (StatsReport.Warning w : r.warnings()) {
                g.writeStartObject();
                g.writeStringField("rule", w.rule());
                g.writeStringField("title", w.title());
                g.writeStringField("detail", w.detail());
                g.writeNumberField("value", w.value());
                g.writeNumberField("threshold", w.threshold());
                g.writeStringField("scope", w.scope());
                g.writeStringField("subject", w.subject());
                g.writeStringField("day", w.day() == null ? null : w.day().toString());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void whatIf(WhatIf.Result w, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("what_if");
        g.writeNumberField("requests", w.requests());
        g.writeNumberField("input_tokens", w.inputTokens());
        g.writeNumberField("cached_input_tokens", w.cachedInputTokens());
        g.writeNumberField("output_tokens", w.outputTokens());
        g.writeNumberField("logged_cost_usd", w.loggedCostUsd());
        g.writeArrayFieldStart("compare_models");
        for (WhatIf.Row row : w.models()) {
            whatIfRow(row, g);
        }
        g.writeEndArray();
        if (w.repriced() != null) {
            WhatIf.Repriced p = w.repriced();
            g.writeObjectFieldStart("pricing_file");
            g.writeStringField("file", p.file());
            g.writeNumberField("cost_usd", p.costUsd());
            g.writeNumberField("difference_usd", p.differenceUsd());
            g.writeNumberField("unpriced_requests", p.unpricedRequests());
            g.writeArrayFieldStart("models");
            for (WhatIf.Row row : p.models()) {
                whatIfRow(row, g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void whatIfRow(WhatIf.Row row, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("model", row.model());
        money(g, "cost_usd", row.costUsd());
        money(g, "difference_usd", row.differenceUsd());
        g.writeStringField("detail", row.detail());
        g.writeEndObject();
    }

    /** Every filter, null when not set, so a reader sees what the figures cover without knowing the defaults. */
    private static void filters(StatsFilter f, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("filters");
        text(g, "key", f.key());
        text(g, "model", f.model());
        text(g, "user", f.user());
        g.writeObjectFieldStart("tags");
        for (Map.Entry<String, String> t : new java.util.TreeMap<>(f.tags()).entrySet()) {
            g.writeStringField(t.getKey(), t.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void text(JsonGenerator g, String name, @Nullable String v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, v);
        }
    }

    private static void summary(Summary s, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("summary");
        g.writeNumberField("requests", s.requests());
        g.writeNumberField("input_tokens", s.inputTokens());
        g.writeNumberField("cached_input_tokens", s.cachedInputTokens());
        g.writeNumberField("output_tokens", s.outputTokens());
        g.writeNumberField("reasoning_tokens", s.reasoningTokens());
        g.writeNumberField("total_tokens", s.totalTokens());
        g.writeNumberField("total_cost_usd", s.totalCostUsd());
        g.writeNumberField("avg_tokens_per_request", s.avgTokensPerRequest());
        g.writeNumberField("avg_cost_per_request_usd", s.avgCostPerRequestUsd());
        g.writeNumberField("estimated_requests", s.estimatedRequests());
        g.writeNumberField("error_requests", s.errorRequests());
        g.writeNumberField("unpriced_requests", s.unpricedRequests());
        units(s.units(), g);
        g.writeEndObject();
    }

    /** SPEC 12's unit sums, by their usage-log names, every one of them (0 when none). */
    private static void units(UnitCounts u, JsonGenerator g) throws IOException {
        List<Number> values = u.values();
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) instanceof BigDecimal d) {
                g.writeNumberField(UnitCounts.NAMES.get(i), d);
            } else {
                g.writeNumberField(UnitCounts.NAMES.get(i), values.get(i).longValue());
            }
        }
    }

    private static void projection(Projection p, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("projection");
        g.writeNumberField("daily_average_usd", p.dailyAverageUsd());
        g.writeNumberField("month_end_usd", p.monthEndUsd());
        g.writeNumberField("month_to_date_usd", p.monthToDateUsd());
        g.writeNumberField("days_counted", p.daysCounted());
        g.writeNumberField("days_left_in_month", p.daysLeftInMonth());
        g.writeStringField("detail", p.detail());
        g.writeNumberField("days_with_data", p.daysWithData());
        g.writeStringField("basis", p.basis());
        g.writeEndObject();
    }

    private static void money(JsonGenerator g, String name, @Nullable BigDecimal v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, v);
        }
    }
}
