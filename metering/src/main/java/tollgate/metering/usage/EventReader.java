package tollgate.metering.usage;

import org.jspecify.annotations.Nullable;

/**
 * Reads the events of one streamed answer as {@link tollgate.metering.sse.SseDecoder} hands them over, keeping what
 * metering needs: OpenAI's chunks and Responses events ({@link StreamEventReader}) or Anthropic's Messages events
 * ({@link MessageEventReader}).
 */
interface EventReader {
    /**
     * Reads one event's data, {@code data[offset, offset + length)} as UTF-8.
     *
     * @return true when the event is a usage-only chunk that tollgate's own {@code include_usage} caused
     */
    boolean read(@Nullable String eventName, byte[] data, int offset, int length);

    @Nullable String model();

    @Nullable Usage usage();

    @Nullable String serviceTier();

    long webSearchCalls();

    @Nullable String errorCode();

    /** The stream reached its end marker. */
    boolean completed();

    String streamedText();

    boolean textTruncated();

    long malformedEvents();
}
