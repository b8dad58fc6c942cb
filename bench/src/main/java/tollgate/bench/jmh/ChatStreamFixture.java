package tollgate.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The bytes of a realistic chat completion stream and body, shaped like the mock upstream's (one event per read). */
final class ChatStreamFixture {
    static final String MODEL = "gpt-4o-mini-2024-07-18";
    static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
            + "{\"role\":\"user\",\"content\":\"Summarize the following text in one sentence, please. The quick brown fox "
            + "jumps over the lazy dog while the cat watches from the windowsill.\"}],\"max_tokens\":200,\"stream\":true,"
            + "\"user\":\"user-42\"}";
    static final String BODY = "{\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion\",\"created\":1741570283,"
            + "\"model\":\"" + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"The quick brown fox jumps over the lazy dog, watched by a cat from the windowsill.\",\"refusal\":null,"
            + "\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1117,"
            + "\"completion_tokens\":46,\"total_tokens\":1163,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
            + "\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\",\"system_fingerprint\":\"fp_06737a9306\"}";
    private static final String[] WORDS = {"The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."};

    private ChatStreamFixture() {
    }

    /** {@code contentChunks} content events between the role chunk and the finish chunk, then the usage chunk and [DONE]. */
    static List<ByteBuffer> stream(int contentChunks, boolean includeUsage) {
        String head = "data: {\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1741570283,\"model\":\"" + MODEL + "\",\"service_tier\":\"default\","
                + "\"system_fingerprint\":\"fp_06737a9306\",\"choices\":";
        String usageField = includeUsage ? ",\"usage\":null" : "";
        List<String> events = new ArrayList<>();
        events.add(head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":null}]" + usageField + "}\n\n");
        for (int i = 0; i < contentChunks; i++) {
            events.add(head + "[{\"index\":0,\"delta\":{\"content\":\"" + WORDS[i % WORDS.length]
                    + "\"},\"logprobs\":null,\"finish_reason\":null}]" + usageField + "}\n\n");
        }
        events.add(head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]" + usageField + "}\n\n");
        if (includeUsage) {
            events.add(head + "[],\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":" + contentChunks
                    + ",\"total_tokens\":" + (1117 + contentChunks) + ",\"prompt_tokens_details\":{\"cached_tokens\":0,"
                    + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                    + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n");
        }
        events.add("data: [DONE]\n\n");
        List<ByteBuffer> out = new ArrayList<>(events.size());
        for (String e : events) {
            out.add(ByteBuffer.wrap(e.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
        }
        return out;
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }
}
