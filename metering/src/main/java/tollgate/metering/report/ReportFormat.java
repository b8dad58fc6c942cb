package tollgate.metering.report;

import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An output format of {@code stats}: {@code --format}, or guessed from {@code --export}'s file name. {@link #FOCUS}
 * is the period's calls as FinOps FOCUS charges (a CSV file; never guessed from a name).
 */
public enum ReportFormat {
    TABLE, JSON, YAML, CSV, FOCUS;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReportFormat parse(String value) {
        for (ReportFormat f : values()) {
            if (f.id().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("format: '" + value + "' (expected: table, json, yaml, csv or focus)");
    }

    /** The format of the file this one writes: FOCUS writes CSV. */
    public ReportFormat fileFormat() {
        return this == FOCUS ? CSV : this;
    }

    /** The format a file name implies ({@code .json .yaml .yml .csv .txt}), or null when it implies none. */
    public static @Nullable ReportFormat ofFileName(Path file) {
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".json")) {
            return JSON;
        }
        if (n.endsWith(".yaml") || n.endsWith(".yml")) {
            return YAML;
        }
        if (n.endsWith(".csv")) {
            return CSV;
        }
        if (n.endsWith(".txt")) {
            return TABLE;
        }
        return null;
    }
}
