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
 *
 * <p>Anthropic's Messages API ({@code /v1/messages}) is counted with the same rules and OpenAI's tokenizer, as Claude's
 * tokenizer is not public: an approximation, only ever used for a budget's worst case (the stream's
 * {@code message_start} reports the exact input before any text). {@code system} (a string or text blocks) counts
 * as a system message; content blocks count their {@code text}, a {@code tool_use} its name and input, a
 * {@code tool_result} its content, an image or a document {@value #IMAGE_TOKENS}; each tool its name,
 * description and input schema as text.
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
            case MESSAGES -> {
                JsonNode system = body.path("system");
                if (system.isTextual() || system.isArray()) {
                    out.tokens(PER_MESSAGE);
                    out.text("system");
                    blocks(system, out);
                }
                for (JsonNode m : body.path("messages")) {
                    if (m.isObject()) {
                        out.tokens(PER_MESSAGE);
                        out.text(m.path("role").asText(""));
                        blocks(m.path("content"), out);
                    }
                }
                out.tokens(REPLY_PRIMING);
                for (JsonNode tool : body.path("tools")) {
                    out.text(tool.path("name").asText(""));
                    out.text(tool.path("description").asText(""));
                    JsonNode schema = tool.path("input_schema");
                    if (schema.isObject()) {
                        out.text(schema.toString());
                    }
                }
            }
            default -> {
            }
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

    /** Anthropic content: a string, or blocks of text, tool use and results, images and documents. */
    private static void blocks(JsonNode content, PromptParts out) {
        if (content.isTextual()) {
            out.text(content.asText());
            return;
        }
        for (JsonNode block : content) {
            String type = block.path("type").asText("");
            switch (type) {
                case "image", "document" -> out.tokens(IMAGE_TOKENS);
                case "tool_use", "server_tool_use" -> {
                    out.text(block.path("name").asText(""));
                    out.text(block.path("input").toString());
                }
                case "tool_result" -> blocks(block.path("content"), out);
                default -> out.text(block.path("text").asText(""));
            }
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
