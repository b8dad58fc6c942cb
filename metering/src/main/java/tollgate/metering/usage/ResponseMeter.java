package tollgate.metering.usage;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tollgate.metering.sse.SseDecoder;

/**
 * Meters one upstream answer from its body bytes as they pass, holding no more of the body than one event.
 *
 * <pre>
 * upstream body ─onBytes()→ ResponseMeter ─→ usage(), model(), serviceTier(), errorCode(), streamedText(), streamCompleted()
 *                  text/event-stream: SseDecoder → StreamEventReader (each event's bytes, one streaming pass)
 *                                     or MessageEventReader (Anthropic's /v1/messages events)
 *                  JSON:              JsonBodyScanner (top level followed byte by byte; model, service_tier, usage, error)
 * </pre>
 *
 * <p>When tollgate added {@code stream_options.include_usage} to a streamed request ({@link #holdsBack()}),
 * the proxy forwards only bytes before {@link #releasableOffset()} and skips the ranges of
 * {@link #takeDroppedRanges()}: the one usage-only chunk the client did not ask for (SPEC 2, "Exact streamed
 * usage"). Every other byte reaches the client unchanged. One meter per response, used from one thread.
 *
 * <pre>
 * meter.onBytes(chunk)                                  // every chunk, before forwarding it
 * if (!meter.holdsBack()) forward(chunk)
 * else { for ([s, e) : meter.takeDroppedRanges()) { forward(sent, s); sent = e; }
 *        forward(sent, meter.releasableOffset()); sent = meter.releasableOffset(); }
 * at the end: meter.onEnd(); skip takeDroppedRanges() once more, forward the rest
 * </pre>
 */
public final class ResponseMeter {
    /** The {@code service_tier} of a Batch API result: what it is billed at (SPEC 12). */
    public static final String BATCH_TIER = "batch";

    private final Endpoint endpoint;
    private final int status;
    private final boolean holdsBack;
    private final boolean batch;
    private final @Nullable SseDecoder decoder;
    private final @Nullable EventReader events;
    private final @Nullable JsonBodyScanner json;
    private @Nullable List<long[]> dropped;
    private boolean droppedUsageChunk;
    private long bytesSeen;
    private long unreadable;
    private boolean ended;
    private boolean unreadableEncoding;
    private @Nullable BigDecimal uploadedSeconds;

    private ResponseMeter(Endpoint endpoint, int status, @Nullable String contentType, boolean usageInjected,
                          boolean batch) {
        this.endpoint = endpoint;
        this.status = status;
        this.batch = batch;
        String type = contentType == null ? "" : contentType.strip().toLowerCase(Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            events = endpoint == Endpoint.MESSAGES ? new MessageEventReader() : new StreamEventReader();
            decoder = new SseDecoder((SseDecoder.DataListener) this::onEvent);
            json = null;
        } else {
            events = null;
            decoder = null;
            // a body without a content type is read as JSON too; HTML error pages and the like are not read
            json = type.isEmpty() || type.contains("json") ? new JsonBodyScanner() : null;
        }
        this.holdsBack = usageInjected && decoder != null
                && (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS);
    }

    /**
     * @param contentType the response's Content-Type header; {@code text/event-stream} means a stream
     * @param usageInjected tollgate added {@code stream_options.include_usage} to the request
     */
    public static ResponseMeter create(Endpoint endpoint, int status, @Nullable String contentType,
                                       boolean usageInjected) {
        return new ResponseMeter(endpoint, status, contentType, usageInjected, false);
    }

    /**
     * The meter of one result of a Batch API output file ({@link BatchOutputMeter}): the JSON {@code body} of its
     * {@code response}, billed at the batch tier whatever tier the body names.
     */
    static ResponseMeter batchResult(Endpoint endpoint, int status) {
        return new ResponseMeter(endpoint, status, "application/json", false, true);
    }

    /**
     * Reads the bytes from {@code buf.position()} to its limit; the buffer itself is left as it was. The bytes
     * must be the body as decoded (no gzip or br content coding), as the metering reads JSON and SSE text.
     */
    public void onBytes(ByteBuffer buf) {
        if (ended) {
            return;
        }
        bytesSeen += buf.remaining();
        if (decoder != null) {
            decoder.feed(buf);
        } else if (json != null) {
            json.feed(buf);
        }
    }

    /** The body ended (completely or not). */
    public void onEnd() {
        if (ended) {
            return;
        }
        ended = true;
        if (decoder != null) {
            decoder.end();
        } else if (json != null) {
            json.end();
        }
    }

    /** True when the proxy must hold bytes back until {@link #releasableOffset()} passes them. */
    public boolean holdsBack() {
        return holdsBack;
    }

    /** Absolute offset up to which every byte is decided: forward it or skip it per {@link #takeDroppedRanges()}. */
    public long releasableOffset() {
        if (!holdsBack || ended || decoder == null) {
            return bytesSeen;
        }
        return decoder.pendingEventStart();
    }

    /** The [start, end) ranges decided since the last call that must not be forwarded; each ends at or before {@link #releasableOffset()}. */
    public List<long[]> takeDroppedRanges() {
        List<long[]> taken = dropped;
        if (taken == null) {
            return List.of();
        }
        dropped = null;
        return taken;
    }

    /** The exact usage the upstream reported, or null when none arrived. */
    public @Nullable Usage usage() {
        if (events != null) {
            return events.usage();
        }
        return json == null ? null : json.usage();
    }

    /** The model as the answer names it, or null. */
    public @Nullable String model() {
        if (events != null) {
            return events.model();
        }
        return json == null ? null : json.model();
    }

    /**
     * The body came in a content coding tollgate cannot read ({@code br}, {@code zstd}, …): nothing of it is read, and
     * the call's error is {@link #UNREADABLE_ENCODING}.
     */
    public void unreadableEncoding() {
        unreadableEncoding = true;
        ended = true;
    }

    /** The error of a call whose body could not be decoded for reading. */
    public static final String UNREADABLE_ENCODING = "unreadable_encoding";

    /**
     * The answer's {@code service_tier} (the tier it was billed at; the last one a stream named), or null; a Batch API
     * result's is {@link #BATCH_TIER}.
     */
    public @Nullable String serviceTier() {
        if (batch) {
            return BATCH_TIER;
        }
        if (events != null) {
            return events.serviceTier();
        }
        return json == null ? null : json.serviceTier();
    }

    /**
     * The web searches the model ran: {@code web_search_call} items of a Responses answer or stream, or the searches
     * an Anthropic usage counts ({@code server_tool_use.web_search_requests}).
     */
    public long webSearchCalls() {
        if (events != null) {
            return events.webSearchCalls();
        }
        if (json == null) {
            return 0;
        }
        Usage u = json.usage();
        return Math.max(json.webSearchCalls(), u == null ? 0 : u.webSearchRequests());
    }

    /** The images an Images API answer carries ({@code data} items); 0 for any other endpoint. */
    public long images() {
        return json == null || !endpoint.isImages() ? 0 : json.dataItems();
    }

    /**
     * The seconds of a transcription: what its usage says was billed ({@code "usage": {"type": "duration", "seconds":
     * …}}, whisper-1's {@code json} and {@code verbose_json}), else its {@code verbose_json} answer's {@code duration},
     * exact; else, for a successful answer without either (asked for as {@code text}, {@code srt} or {@code vtt}, or
     * from an API that gives neither), the length of the uploaded file as its container gives it
     * ({@link #uploadedAudioSeconds}); null for any other call.
     */
    public @Nullable BigDecimal audioSeconds() {
        if (!endpoint.isTranscription()) {
            return null;
        }
        BigDecimal answered = json == null ? null : json.usageSeconds() != null ? json.usageSeconds() : json.duration();
        if (answered != null) {
            return answered;
        }
        return status >= 200 && status < 300 ? uploadedSeconds : null;
    }

    /** The length of the file a transcription uploaded, read from its container as it streamed past. */
    public void uploadedAudioSeconds(@Nullable BigDecimal seconds) {
        uploadedSeconds = seconds;
    }

    /** The answer's {@code error.code}, else its {@code error.type}; null when the body carries no error object. */
    public @Nullable String errorCode() {
        if (unreadableEncoding) {
            return UNREADABLE_ENCODING;
        }
        if (events != null) {
            return events.errorCode();
        }
        JsonNode error = json == null ? null : json.error();
        return error == null ? null : errorCodeOf(error);
    }

    /** The text a stream carried (content, refusals, tool arguments), for estimating output when no usage came. */
    public String streamedText() {
        return events == null ? "" : events.streamedText();
    }

    /** True when {@link #streamedText()} stopped growing at its cap. */
    public boolean streamedTextTruncated() {
        return events != null && events.textTruncated();
    }

    /**
     * The output tokens an Anthropic stream last reported (its counts are cumulative, so a cut stream's last
     * {@code message_delta} is a floor of what was generated); 0 for any other answer.
     */
    public long reportedOutputTokens() {
        return events instanceof MessageEventReader m ? m.reportedOutputTokens() : 0;
    }

    /** True when the stream reached its end marker: {@code [DONE]}, a Responses terminal event or {@code message_stop}. */
    public boolean streamCompleted() {
        return events != null && events.completed();
    }

    /** True for a result of a Batch API output file (SPEC 12: recorded with {@code batch: true}). */
    public boolean batch() {
        return batch;
    }

    /** True when the answer is an event stream. */
    public boolean isStream() {
        return decoder != null;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public int status() {
        return status;
    }

    /** Events that could not be read: larger than the cap, or not JSON. */
    public long unreadableEvents() {
        long oversized = decoder == null ? 0 : decoder.oversizedEvents();
        return oversized + unreadable + (events == null ? 0 : events.malformedEvents());
    }

    static @Nullable String errorCodeOf(JsonNode error) {
        JsonNode code = error.get("code");
        if (code != null && (code.isTextual() || code.isNumber()) && !code.asText().isEmpty()) {
            return code.asText();
        }
        String type = JsonMappers.text(error, "type");
        return type == null || type.isEmpty() ? null : type;
    }

    private void onEvent(@Nullable String eventName, byte[] data, int offset, int length, long start, long end) {
        EventReader reader = events;
        if (reader == null) {
            return;
        }
        boolean usageOnly;
        try {
            usageOnly = reader.read(eventName, data, offset, length);
        } catch (RuntimeException e) {
            // metering must never break the relay: an event it cannot read is counted and forwarded as it is
            unreadable++;
            return;
        }
        if (usageOnly && holdsBack && !droppedUsageChunk) {
            droppedUsageChunk = true;
            List<long[]> list = dropped;
            if (list == null) {
                list = dropped = new ArrayList<>(1);
            }
            list.add(new long[] {start, end});
        }
    }
}
