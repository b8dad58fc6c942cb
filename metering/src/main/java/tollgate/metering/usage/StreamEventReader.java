package tollgate.metering.usage;

import static tollgate.metering.usage.JsonMappers.object;
import static tollgate.metering.usage.JsonMappers.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Reads the JSON of one streamed event: a Chat Completions or Completions chunk, or a Responses API event,
 * keeping the model, the usage, an error code and the text streamed so far.
 */
final class StreamEventReader {
    /** Enough text for any estimate (4M chars is some 1M tokens); past it only a flag is kept. */
    static final int MAX_TEXT_CHARS = 4 << 20;

    private @Nullable String model;
    private @Nullable Usage usage;
    private @Nullable String errorCode;
    private boolean completed;
    private @Nullable StringBuilder streamed;
    private boolean textTruncated;
    private long malformedEvents;

    /**
     * Reads one event's data.
     *
     * @return true when the event is a usage-only chunk: {@code "choices":[]} with a usage object
     */
    boolean read(@Nullable String eventName, String data) {
        if (isDone(data)) {
            // the terminator of Chat Completions and Completions streams (API reference, "stream")
            completed = true;
            return false;
        }
        JsonNode root;
        try {
            root = JsonMappers.RESPONSE.readTree(data);
        } catch (IOException e) {
            malformedEvents++;
            return false;
        }
        if (root == null || !root.isObject()) {
            return false;
        }
        String type = text(root, "type");
        if (type == null) {
            type = eventName;
        }
        if (type != null && (type.startsWith("response.") || type.equals("error"))) {
            readResponsesEvent(type, root);
            return false;
        }
        return readChunk(root);
    }

    private static boolean isDone(String data) {
        return data.length() >= 6 && data.strip().equals("[DONE]");
    }

    private boolean readChunk(JsonNode chunk) {
        String m = text(chunk, "model");
        if (m != null && !m.isEmpty()) {
            model = m;
        }
        JsonNode error = object(chunk, "error");
        if (error != null) {
            errorCode = ResponseMeter.errorCodeOf(error);
        }
        Usage u = UsageParser.parse(chunk.get("usage"));
        if (u != null) {
            usage = u;
        }
        JsonNode choices = chunk.get("choices");
        if (choices == null || !choices.isArray()) {
            return false;
        }
        for (JsonNode choice : choices) {
            append(choice.get("text"));
            JsonNode delta = object(choice, "delta");
            if (delta != null) {
                append(delta.get("content"));
                append(delta.get("refusal"));
                append(delta.get("reasoning_content"));
                JsonNode call = object(delta, "function_call");
                if (call != null) {
                    append(call.get("arguments"));
                }
                JsonNode toolCalls = delta.get("tool_calls");
                if (toolCalls != null && toolCalls.isArray()) {
                    for (JsonNode toolCall : toolCalls) {
                        JsonNode function = object(toolCall, "function");
                        if (function != null) {
                            append(function.get("arguments"));
                        }
                    }
                }
            }
        }
        // with stream_options.include_usage the last chunk has an empty choices array and the usage (API reference)
        return u != null && choices.isEmpty();
    }

    private void readResponsesEvent(String type, JsonNode event) {
        switch (type) {
            case "response.output_text.delta", "response.refusal.delta", "response.function_call_arguments.delta",
                    "response.custom_tool_call_input.delta", "response.reasoning_text.delta" ->
                    append(event.get("delta"));
            case "response.created", "response.in_progress", "response.queued" ->
                    readResponse(object(event, "response"));
            case "response.completed", "response.incomplete", "response.failed" -> {
                readResponse(object(event, "response"));
                completed = true;
            }
            case "error" -> {
                JsonNode nested = object(event, "error");
                errorCode = ResponseMeter.errorCodeOf(nested != null ? nested : event);
            }
            default -> {
            }
        }
    }

    private void readResponse(@Nullable JsonNode response) {
        if (response == null) {
            return;
        }
        String m = text(response, "model");
        if (m != null && !m.isEmpty()) {
            model = m;
        }
        Usage u = UsageParser.parse(response.get("usage"));
        if (u != null) {
            usage = u;
        }
        JsonNode error = object(response, "error");
        if (error != null) {
            errorCode = ResponseMeter.errorCodeOf(error);
        }
    }

    private void append(@Nullable JsonNode value) {
        if (value == null || !value.isTextual() || textTruncated) {
            return;
        }
        String s = value.textValue();
        if (s.isEmpty()) {
            return;
        }
        StringBuilder sb = streamed;
        if (sb == null) {
            sb = streamed = new StringBuilder(256);
        }
        int room = MAX_TEXT_CHARS - sb.length();
        if (s.length() > room) {
            sb.append(s, 0, room);
            textTruncated = true;
        } else {
            sb.append(s);
        }
    }

    @Nullable String model() {
        return model;
    }

    @Nullable Usage usage() {
        return usage;
    }

    @Nullable String errorCode() {
        return errorCode;
    }

    boolean completed() {
        return completed;
    }

    String streamedText() {
        StringBuilder sb = streamed;
        return sb == null ? "" : sb.toString();
    }

    boolean textTruncated() {
        return textTruncated;
    }

    long malformedEvents() {
        return malformedEvents;
    }
}
