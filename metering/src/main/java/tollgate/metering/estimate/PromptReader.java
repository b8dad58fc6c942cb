package tollgate.metering.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.api.EncodingType;
import tollgate.metering.usage.Endpoint;

/**
 * Walks a request body and gathers what its prompt is made of ({@link PromptParts}), per endpoint.
 *
 * <p>Chat messages follow OpenAI's cookbook {@code num_tokens_from_messages} (3 tokens per message,
 * the text of {@code role}, {@code content} and {@code name}, 1 more per {@code name}, 3 for the
 * reply's priming), which reproduces the API's count for gpt-3.5-turbo, gpt-4 and gpt-4o. Beyond the
 * cookbook (approximations): content parts count their text and each image counts
 * {@value #IMAGE_TOKENS} tokens, the price of a low-detail image and the floor of any image
 * (OpenAI vision docs), since its size is unknown here; assistant tool calls count their function
 * name and arguments; audio and files count nothing. The Responses API is read the same way:
 * {@code instructions} as a system message, a string {@code input} as one user message, items with a
 * role as messages, function calls and their outputs by their text. Completions' {@code prompt} and
 * embeddings' {@code input} count their text, or their length when given as token arrays.
 */
final class PromptReader {
    static final int IMAGE_TOKENS = 85;
    private static final int PER_MESSAGE = 3;
    private static final int PER_NAME = 1;
    private static final int REPLY_PRIMING = 3;

    private PromptReader() {
    }

    static PromptParts read(Endpoint endpoint, JsonNode body, EncodingType encoding) {
        PromptParts out = new PromptParts();
        switch (endpoint) {
            case CHAT_COMPLETIONS -> {
                JsonNode messages = body.path("messages");
                if (messages.isArray()) {
                    for (JsonNode m : messages) {
                        message(m, out);
                    }
                    out.tokens(REPLY_PRIMING);
                }
                ToolDefinitionReader.read(body.path("tools"), encoding, out);
                ToolDefinitionReader.read(body.path("functions"), encoding, out);
            }
            case RESPONSES -> {
                JsonNode instructions = body.path("instructions");
                if (instructions.isTextual()) {
                    out.tokens(PER_MESSAGE);
                    out.text("system");
                    out.text(instructions.asText());
                }
                JsonNode input = body.path("input");
                if (input.isTextual()) {
                    out.tokens(PER_MESSAGE);
                    out.text("user");
                    out.text(input.asText());
                } else if (input.isArray()) {
                    for (JsonNode item : input) {
                        responseItem(item, out);
                    }
                }
                if (instructions.isTextual() || input.isTextual() || input.isArray()) {
                    out.tokens(REPLY_PRIMING);
                }
                ToolDefinitionReader.read(body.path("tools"), encoding, out);
            }
            case COMPLETIONS -> {
                textsOrTokens(body.path("prompt"), out);
                textsOrTokens(body.path("suffix"), out);
            }
            case EMBEDDINGS -> textsOrTokens(body.path("input"), out);
        }
        return out;
    }

    private static void message(JsonNode m, PromptParts out) {
        if (!m.isObject()) {
            return;
        }
        out.tokens(PER_MESSAGE);
        out.text(m.path("role").asText(""));
        content(m.path("content"), out);
        JsonNode name = m.path("name");
        if (name.isTextual()) {
            out.text(name.asText());
            out.tokens(PER_NAME);
        }
        for (JsonNode call : m.path("tool_calls")) {
            functionCall(call.path("function"), out);
        }
        functionCall(m.path("function_call"), out);
    }

    private static void responseItem(JsonNode item, PromptParts out) {
        if (!item.isObject()) {
            return;
        }
        String type = item.path("type").asText("message");
        if (item.has("role") || type.equals("message")) {
            out.tokens(PER_MESSAGE);
            out.text(item.path("role").asText(""));
            content(item.path("content"), out);
        } else if (type.equals("function_call")) {
            out.tokens(PER_MESSAGE);
            functionCall(item, out);
        } else if (type.equals("function_call_output")) {
            out.tokens(PER_MESSAGE);
            content(item.path("output"), out);
        }
    }

    private static void functionCall(JsonNode f, PromptParts out) {
        if (f.isObject()) {
            out.text(f.path("name").asText(""));
            out.text(f.path("arguments").asText(""));
        }
    }

    /** A string, or a list of parts: {@code text}, {@code input_text}, {@code output_text}, images. */
    private static void content(JsonNode content, PromptParts out) {
        if (content.isTextual()) {
            out.text(content.asText());
            return;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if (type.equals("image_url") || type.equals("input_image")) {
                out.tokens(IMAGE_TOKENS);
            } else if (part.path("text").isTextual()) {
                out.text(part.path("text").asText());
            } else if (part.isTextual()) {
                out.text(part.asText());
            }
        }
    }

    /** A string, a list of strings, a token array or a list of token arrays. */
    private static void textsOrTokens(JsonNode v, PromptParts out) {
        if (v.isTextual()) {
            out.text(v.asText());
        } else if (v.isArray()) {
            for (JsonNode e : v) {
                if (e.isTextual()) {
                    out.text(e.asText());
                } else if (e.isIntegralNumber()) {
                    out.tokens(1);
                } else if (e.isArray()) {
                    out.tokens(e.size());
                }
            }
        }
    }
}
