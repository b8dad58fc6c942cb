package tollgate.metering.report;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One {@code --by} grouping: a dimension, and for {@link Dimension#TAG} the tag's name.
 *
 * @param tagName lower-cased, as tag names are recorded (SPEC 4); null unless the dimension is TAG
 */
public record GroupBy(Dimension dimension, @Nullable String tagName) {
    /** The group name of a cell whose dimension has no value (no user, no such tag, no model). */
    public static final String NONE = "(none)";

    public GroupBy {
        if ((dimension == Dimension.TAG) != (tagName != null)) {
            throw new IllegalArgumentException("by: " + dimension.id() + " with tag name " + tagName
                    + " (expected: a tag name exactly for tag:NAME)");
        }
        if (tagName != null) {
            if (tagName.isBlank()) {
                throw new IllegalArgumentException("by: tag: (expected: tag:NAME)");
            }
            tagName = tagName.toLowerCase(Locale.ROOT);
        }
    }

    public static GroupBy of(Dimension dimension) {
        return new GroupBy(dimension, null);
    }

    /** Parses {@code key|model|model:raw|endpoint|user|provider|tag:NAME}. */
    public static GroupBy parse(String value) {
        String v = value.trim();
        if (v.startsWith("tag:")) {
            return new GroupBy(Dimension.TAG, v.substring(4));
        }
        for (Dimension d : Dimension.values()) {
            if (d != Dimension.TAG && d.id().equals(v)) {
                return of(d);
            }
        }
        throw new IllegalArgumentException("by: '" + value
                + "' (expected: key, model, model:raw, endpoint, user, provider or tag:NAME)");
    }

    /** The name used in the report's {@code groups} object: {@code model}, {@code tag:operation}. */
    public String name() {
        return tagName == null ? dimension.id() : "tag:" + tagName;
    }

    /** The group a cell belongs to. */
    public String groupOf(CellKey cell) {
        @Nullable String v = switch (dimension) {
            case KEY -> cell.key();
            case MODEL -> pricedModel(cell.pricedAs(), cell.model());
            case MODEL_RAW -> cell.model();
            case ENDPOINT -> cell.endpoint();
            case USER -> cell.user();
            case TAG -> cell.tags().get(tagName);
            case PROVIDER -> cell.provider();
        };
        return v == null ? NONE : v;
    }

    /** A call's model under {@code --by model}: its priced name, else its own, else {@link #NONE}. */
    static String pricedModel(@Nullable String pricedAs, @Nullable String model) {
        return pricedAs != null ? pricedAs : model != null ? model : NONE;
    }

    @Override
    public String toString() {
        return name();
    }
}
