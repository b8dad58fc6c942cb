package tollgate.metering.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Iterator;
import java.util.Map;

/**
 * Counts the prompt tokens that function (tool) definitions add, with the accounting of OpenAI's
 * cookbook "How to count tokens with tiktoken" (section 7), which matches the API's
 * {@code prompt_tokens} for its example: per function a fixed start (7 tokens for the o200k models,
 * 10 for the cl100k ones), {@code name:description}, and when it has properties 3 more plus, per
 * property, 3 and {@code name:type:description} (a trailing period dropped), enum values at 3 each
 * plus their text (less 3 per enum); 12 more after the last function.
 *
 * <p>An approximation beyond that example: nested object or array properties count only their own
 * line, not their children; a missing description counts as empty; built-in tools of the Responses
 * API ({@code web_search}, {@code file_search}, ...) count nothing.
 */
final class ToolDefinitionReader {
    private static final int FUNC_INIT_O200K = 7;
    private static final int FUNC_INIT_CL100K = 10;
    private static final int PROP_INIT = 3;
    private static final int PROP_KEY = 3;
    private static final int ENUM_INIT = -3;
    private static final int ENUM_ITEM = 3;
    private static final int FUNC_END = 12;

    private ToolDefinitionReader() {
    }

    /**
     * @param tools Chat's {@code tools} ({@code {type, function: {...}}}), the Responses API's flat
     *     {@code {type: function, name, ...}}, or the legacy {@code functions} list
     */
    static void read(JsonNode tools, EncodingType encoding, PromptParts out) {
        if (!tools.isArray()) {
            return;
        }
        int functions = 0;
        for (JsonNode t : tools) {
            JsonNode f = t.has("function") ? t.get("function") : t;
            if (!f.isObject() || !f.path("name").isTextual()) {
                continue;
            }
            functions++;
            out.tokens(encoding == EncodingType.CL100K_BASE ? FUNC_INIT_CL100K : FUNC_INIT_O200K);
            out.text(f.get("name").asText() + ":" + withoutFinalPeriod(f.path("description").asText("")));
            JsonNode props = f.path("parameters").path("properties");
            if (props.isObject() && props.size() > 0) {
                out.tokens(PROP_INIT);
                for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    out.tokens(PROP_KEY);
                    JsonNode enumValues = p.getValue().path("enum");
                    if (enumValues.isArray()) {
                        out.tokens(ENUM_INIT);
                        for (JsonNode item : enumValues) {
                            out.tokens(ENUM_ITEM);
                            out.text(item.asText());
                        }
                    }
                    out.text(p.getKey() + ":" + type(p.getValue().path("type")) + ":"
                            + withoutFinalPeriod(p.getValue().path("description").asText("")));
                }
            }
        }
        if (functions > 0) {
            out.tokens(FUNC_END);
        }
    }

    private static String type(JsonNode type) {
        if (type.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode t : type) {
                sb.append(sb.length() == 0 ? "" : ",").append(t.asText());
            }
            return sb.toString();
        }
        return type.asText("");
    }

    private static String withoutFinalPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
