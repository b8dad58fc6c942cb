package tollgate.metering.report;

import java.util.Locale;

/** A dimension a report can group by ({@code --by}); {@link #TAG} needs a tag name. */
public enum Dimension {
    KEY, MODEL, ENDPOINT, USER, TAG;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
