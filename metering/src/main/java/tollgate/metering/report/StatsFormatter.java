package tollgate.metering.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.usage.UnitCounts;

/**
 * Renders a {@link StatsReport}: JSON and YAML (the SPEC 8 tree), CSV (one row per group, or per series bucket
 * when the report has no groupings) and an aligned terminal table.
 */
public final class StatsFormatter {
    // money is exact: 0.0000001 must not print as 1E-7
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            // strings stay quoted: unquoted, a user "123" or a date reads back as a number or a timestamp
            .build();

    private StatsFormatter() {
    }

    public static String format(StatsReport report, ReportFormat format) {
        return switch (format) {
            case TABLE -> table(report);
            case JSON -> jsonPretty(report);
            case YAML -> yaml(report);
            case CSV -> csv(report);
            case FOCUS -> throw new IllegalArgumentException("format: focus is written from the log's calls "
                    + "(StatsCommandRunner), not from a report");
        };
    }

    /** Compact JSON, as {@code /admin/usage} answers. */
    public static byte[] jsonBytes(StatsReport report) {
        return write(JSON, report, false);
    }

    public static String json(StatsReport report) {
        return new String(jsonBytes(report), StandardCharsets.UTF_8);
    }

    /** Indented JSON for a terminal or a file, ending with a newline. */
    public static String jsonPretty(StatsReport report) {
        return new String(write(JSON, report, true), StandardCharsets.UTF_8) + "\n";
    }

    public static String yaml(StatsReport report) {
        return new String(write(YAML, report, false), StandardCharsets.UTF_8);
    }

    public static String table(StatsReport report) {
        return StatsTableFormatter.format(report);
    }

    /**
     * RFC 4180 CSV: one row per group ({@code by,name,requests,…}, SPEC 8's fields and the row's others), else the
     * series; then SPEC 12's unit columns ({@link UnitCounts#NAMES}).
     */
    public static String csv(StatsReport report) {
        StringBuilder out = new StringBuilder();
        String unitColumns = "," + String.join(",", UnitCounts.NAMES) + "\r\n";
        if (report.groups().isEmpty()) {
            out.append("start,requests,total_tokens,total_cost_usd").append(unitColumns);
            for (SeriesPoint p : report.series()) {
                row(out, p.units(), p.start().toString(), Long.toString(p.requests()), Long.toString(p.totalTokens()),
                        plain(p.totalCostUsd()));
            }
            return out.toString();
        }
        out.append("by,name,requests,total_tokens,total_cost_usd,cost_share,input_tokens,output_tokens,"
                + "avg_tokens_per_request,success_requests,error_requests,p50_duration_ms,p95_duration_ms,"
                + "cache_hit_rate,first_ts,last_ts").append(unitColumns);
        for (Map.Entry<String, List<GroupRow>> e : report.groups().entrySet()) {
            for (GroupRow r : e.getValue()) {
                row(out, r.units(), e.getKey(), r.name(), Long.toString(r.requests()), Long.toString(r.totalTokens()),
                        plain(r.totalCostUsd()), plain(r.costShare()), Long.toString(r.inputTokens()),
                        Long.toString(r.outputTokens()), plain(r.avgTokensPerRequest()),
                        Long.toString(r.successRequests()), Long.toString(r.errorRequests()),
                        Long.toString(r.p50DurationMs()), Long.toString(r.p95DurationMs()), plain(r.cacheHitRate()),
                        r.firstTs() == null ? "" : r.firstTs().toString(), r.lastTs() == null ? "" : r.lastTs().toString());
            }
        }
        return out.toString();
    }

    private static String plain(BigDecimal v) {
        return v.toPlainString();
    }

    private static void row(StringBuilder out, UnitCounts units, String... cells) {
        cells(out, List.of(cells));
        for (Number n : units.values()) {
            out.append(',').append(n instanceof BigDecimal d ? d.toPlainString() : n.toString());
        }
        out.append("\r\n");
    }

    /** One RFC 4180 record: the cells, quoted when they hold a comma, a quote or a line break, and CRLF. */
    static void csvRow(StringBuilder out, List<String> cells) {
        cells(out, cells);
        out.append("\r\n");
    }

    private static void cells(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            String c = cells.get(i);
            if (c.indexOf(',') >= 0 || c.indexOf('"') >= 0 || c.indexOf('\n') >= 0 || c.indexOf('\r') >= 0) {
                out.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                out.append(c);
            }
        }
    }

    private static byte[] write(JsonFactory factory, StatsReport report, boolean pretty) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = factory.createGenerator(bytes)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            StatsTreeWriter.write(report, g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the stats tree to memory", e);
        }
        return bytes.toByteArray();
    }
}
