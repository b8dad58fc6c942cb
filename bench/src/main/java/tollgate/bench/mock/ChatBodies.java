package tollgate.bench.mock;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * OpenAI-shaped chat completion bodies: one JSON object, or the {@code chat.completion.chunk} events of a stream.
 *
 * <p>Every streamed chunk carries the {@link System#nanoTime()} of its write in {@code system_fingerprint}
 * ({@code "fp_"} + 19 digits) so that a driver on the same host can measure each chunk's delivery latency:
 * on Linux HotSpot {@code nanoTime} reads {@code CLOCK_MONOTONIC}, one clock for every process on the host.
 */
public final class ChatBodies {
    public static final String MODEL = "gpt-4o-mini-2024-07-18";
    /** What precedes the 19 timestamp digits in a streamed chunk. */
    public static final String STAMP_MARKER = "\"system_fingerprint\":\"fp_";
    public static final int STAMP_DIGITS = 19;

    private static final String ID = "chatcmpl-bench0000000000000000000000";
    private static final String FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ";
    private static final byte[] CHUNK_PREFIX = ascii("data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"" + MODEL + "\"," + STAMP_MARKER);
    private static final byte[] DONE = ascii("data: [DONE]\n\n");

    private ChatBodies() {
    }

    /** A non-streamed {@code chat.completion}, its content padded so that the body has at least {@code bodyBytes}. */
    public static byte[] completion(MockOptions o) {
        String head = "{\"id\":\"" + ID + "\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + MODEL
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"";
        String tail = "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":" + usage(o) + ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}";
        int contentChars = Math.max(16, o.bodyBytes() - head.length() - tail.length());
        return ascii(head + filler(contentChars) + tail);
    }

    /** The event bytes of one stream, apart from the timestamps written by {@link #stamped}. */
    public static final class Stream {
        final byte[] role;
        final byte[] content;
        final byte[] finish;
        final byte[] usage;

        Stream(MockOptions o, boolean includeUsage) {
            // with include_usage every chunk carries "usage":null and one more chunk brings it (stream_options docs)
            String usageField = includeUsage ? ",\"usage\":null" : "";
            this.role = ascii("\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":null}]" + usageField + "}\n\n");
            this.content = ascii("\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + filler(o.chunkBytes())
                    + "\"},\"logprobs\":null,\"finish_reason\":null}]" + usageField + "}\n\n");
            this.finish = ascii("\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]"
                    + usageField + "}\n\n");
            this.usage = includeUsage ? ascii("\",\"choices\":[],\"usage\":" + usage(o) + "}\n\n") : new byte[0];
        }
    }

    /** One {@code data:} event: the common prefix, {@code nanos} as 19 digits, then {@code suffix}. */
    static ByteBuf stamped(ByteBufAllocator alloc, byte[] suffix, long nanos) {
        ByteBuf buf = alloc.buffer(CHUNK_PREFIX.length + STAMP_DIGITS + suffix.length);
        buf.writeBytes(CHUNK_PREFIX);
        long v = Math.max(0, nanos);
        int at = buf.writerIndex();
        buf.writerIndex(at + STAMP_DIGITS);
        for (int i = STAMP_DIGITS - 1; i >= 0; i--) {
            buf.setByte(at + i, '0' + (int) (v % 10));
            v /= 10;
        }
        return buf.writeBytes(suffix);
    }

    /** The events of one stream (for tests and tools that need the mock's exact bytes). */
    public static Stream streamEvents(MockOptions o, boolean includeUsage) {
        return new Stream(o, includeUsage);
    }

    /** One content chunk of {@code events} stamped with {@code nanos}. */
    public static ByteBuf stampedForTest(ByteBufAllocator alloc, Stream events, long nanos) {
        return stamped(alloc, events.content, nanos);
    }

    static byte[] done() {
        return DONE;
    }

    private static String usage(MockOptions o) {
        return "{\"prompt_tokens\":" + o.promptTokens() + ",\"completion_tokens\":" + o.completionTokens()
                + ",\"total_tokens\":" + (o.promptTokens() + o.completionTokens())
                + ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
    }

    private static String filler(int chars) {
        StringBuilder sb = new StringBuilder(chars);
        while (sb.length() < chars) {
            sb.append(FILLER, 0, Math.min(FILLER.length(), chars - sb.length()));
        }
        return sb.toString();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
