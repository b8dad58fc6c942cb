package tollgate.metering.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@code tollgate stats} from already-parsed options: reads the log, computes the report, renders it to
 * standard output or to the export file, and applies the CI gate. The picocli command only prints the outcome
 * and exits with its code.
 */
public final class StatsCommandRunner {
    public static final int OK = 0;
    public static final int IO_FAILURE = 1;
    /** A bad option value (SPEC 1). */
    public static final int BAD_USAGE = 2;
    /** {@code --fail-above-usd} passed (SPEC 8). */
    public static final int ABOVE_LIMIT = 3;

    /** What the command prints and its exit code. */
    public record Outcome(int exitCode, String stdout, String stderr) {
    }

    private final StatsContext context;
    private final int readerThreads;

    /** @param readerThreads log files read at once (at least 1) */
    public StatsCommandRunner(StatsContext context, int readerThreads) {
        if (readerThreads < 1) {
            throw new IllegalArgumentException("readerThreads: " + readerThreads + " (expected: >= 1)");
        }
        this.context = context;
        this.readerThreads = readerThreads;
    }

    public Outcome run(StatsOptions o) {
        StatsQuery query;
        ReportFormat format;
        try {
            query = query(o);
            format = format(o);
            if (o.failAboveUsd() != null && o.failAboveUsd().signum() < 0) {
                throw new IllegalArgumentException("--fail-above-usd: " + o.failAboveUsd().toPlainString()
                        + " (expected: >= 0)");
            }
        } catch (IllegalArgumentException e) {
            return new Outcome(BAD_USAGE, "", "tollgate stats: " + e.getMessage() + "\n");
        }
        if (!Files.isDirectory(o.logDir())) {
            return new Outcome(BAD_USAGE, "", "tollgate stats: --log-dir (or TOLLGATE_LOG_DIR, log.dir): " + o.logDir()
                    + " (expected: the folder holding usage-YYYY-MM-DD.jsonl files)\n");
        }
        StatsReport report;
        try {
            UsageCube cube = LogScope.of(query).read(o.logDir(), readerThreads);
            report = StatsCalculator.compute(query, cube, context);
            if (o.by().isEmpty()) {
                report = report.withoutUnusedGroup(StatsQuery.BY_OPERATION.name());
            }
        } catch (UncheckedIOException e) {
            return new Outcome(IO_FAILURE, "", "tollgate stats: " + e.getMessage() + ": " + e.getCause() + "\n");
        }
        String rendered = StatsFormatter.format(report, format);
        String stdout = rendered;
        StringBuilder stderr = new StringBuilder();
        if (report.skippedLines() > 0) {
            stderr.append("tollgate stats: skipped ").append(report.skippedLines())
                    .append(" malformed log line(s)\n");
        }
        if (o.export() != null) {
            try {
                Files.writeString(o.export(), rendered, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return new Outcome(IO_FAILURE, "", "tollgate stats: --export: " + o.export() + ": " + e + "\n");
            }
            stdout = "wrote " + format.id() + " report (" + report.summary().requests() + " requests, "
                    + Amounts.usd(report.summary().totalCostUsd()) + ") to " + o.export() + "\n";
        }
        int code = OK;
        if (o.failAboveUsd() != null && report.summary().totalCostUsd().compareTo(o.failAboveUsd()) > 0) {
            code = ABOVE_LIMIT;
            stderr.append("tollgate stats: total cost ").append(report.summary().totalCostUsd().toPlainString())
                    .append(" USD is above --fail-above-usd ").append(o.failAboveUsd().toPlainString()).append('\n');
        }
        return new Outcome(code, stdout, stderr.toString());
    }

    private StatsQuery query(StatsOptions o) {
        Map<String, List<String>> params = new HashMap<>();
        put(params, "days", o.days() == null ? null : o.days().toString());
        put(params, "since", o.since());
        put(params, "until", o.until());
        put(params, "period", o.period());
        put(params, "key", o.key());
        put(params, "model", o.model());
        put(params, "user", o.user());
        List<String> by = new ArrayList<>(o.by());
        if (by.isEmpty()) {
            StatsQuery.DEFAULT_BY.forEach(g -> by.add(g.name()));
        }
        params.put("by", by);
        params.put("tag", new ArrayList<>(o.tags()));
        put(params, "suggestions", Boolean.toString(o.suggestions()));
        try {
            return StatsQuery.parseMulti(params, context.today());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
    }

    private static ReportFormat format(StatsOptions o) {
        if (o.format() != null) {
            try {
                return ReportFormat.parse(o.format());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--" + e.getMessage(), e);
            }
        }
        if (o.export() == null) {
            return ReportFormat.TABLE;
        }
        ReportFormat f = ReportFormat.ofFileName(o.export());
        if (f == null) {
            throw new IllegalArgumentException("--export: " + o.export()
                    + " (expected: a .json, .yaml, .yml, .csv or .txt file, or --format)");
        }
        return f;
    }

    private static void put(Map<String, List<String>> params, String name, @Nullable String value) {
        if (value != null) {
            params.put(name, List.of(value));
        }
    }
}
