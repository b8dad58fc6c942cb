package tollgate.metering.report;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.UsageLine;

/**
 * Which calls a report counts: every non-null field must match.
 *
 * @param model matches the record's {@code model} or its {@code priced_as}, so {@code gpt-4o-mini} also finds
 *              {@code gpt-4o-mini-2024-07-18}
 * @param tags tag name (lower-cased, as recorded) to the exact value; all must match
 */
public record StatsFilter(@Nullable String key, @Nullable String model, @Nullable String user, Map<String, String> tags) {
    public static final StatsFilter NONE = new StatsFilter(null, null, null, Map.of());

    public StatsFilter {
        Map<String, String> lower = new TreeMap<>();
        tags.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
        tags = Map.copyOf(lower);
    }

    /** Parses a {@code NAME=VALUE} tag filter (also accepts {@code NAME:VALUE}). */
    public static Map.Entry<String, String> parseTag(String value) {
        int eq = value.indexOf('=');
        int at = eq > 0 ? eq : value.indexOf(':');
        if (at <= 0) {
            throw new IllegalArgumentException("tag: '" + value + "' (expected: NAME=VALUE)");
        }
        return Map.entry(value.substring(0, at).trim().toLowerCase(Locale.ROOT), value.substring(at + 1));
    }

    public StatsFilter withKey(String onlyKey) {
        return new StatsFilter(onlyKey, model, user, tags);
    }

    /** {@code key storybot, model gpt-4o, tag operation=rag_answer}, or {@code all calls}. */
    public String describe() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        if (key != null) {
            parts.add("key " + key);
        }
        if (model != null) {
            parts.add("model " + model);
        }
        if (user != null) {
            parts.add("user " + user);
        }
        new TreeMap<>(tags).forEach((name, value) -> parts.add("tag " + name + "=" + value));
        return parts.isEmpty() ? "all calls" : String.join(", ", parts);
    }

    public boolean isEmpty() {
        return key == null && model == null && user == null && tags.isEmpty();
    }

    /** Whether a log line's call counts, its model matched under the name it is priced as ({@link CellKey#pricedAs}). */
    public boolean matches(UsageLine l) {
        return matches(l.key(), l.model(), CellKey.pricedAs(l.costUsd(), l.pricedAs()), l.user(), l.tags());
    }

    public boolean matches(CellKey cell) {
        return matches(cell.key(), cell.model(), cell.pricedAs(), cell.user(), cell.tags());
    }

    public boolean matches(String cellKey, @Nullable String cellModel, @Nullable String cellPricedAs,
                           @Nullable String cellUser, Map<String, String> cellTags) {
        if (key != null && !key.equals(cellKey)) {
            return false;
        }
        if (model != null && !model.equals(cellModel) && !model.equals(cellPricedAs)) {
            return false;
        }
        if (user != null && !user.equals(cellUser)) {
            return false;
        }
        for (Map.Entry<String, String> t : tags.entrySet()) {
            if (!t.getValue().equals(cellTags.get(t.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
