package tollgate.metering.report;

/**
 * A dimension a report can group by ({@code --by}); {@link #TAG} needs a tag name.
 *
 * <p>{@link #MODEL} groups by the priced name ({@code priced_as}: {@code gpt-4o-mini} holds
 * {@code gpt-4o-mini-2024-07-18}, as {@code --model gpt-4o-mini} matches both), an unpriced call by its own name;
 * {@link #MODEL_RAW} by the exact name the upstream answered with.
 */
public enum Dimension {
    KEY("key"), MODEL("model"), MODEL_RAW("model:raw"), ENDPOINT("endpoint"), USER("user"), TAG("tag"),
    /** The route's provider (SPEC 13); calls to the one upstream are {@code (none)}. */
    PROVIDER("provider");

    private final String id;

    Dimension(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
