package tollgate.bench.mock;

import io.netty.handler.codec.http.HttpHeaders;
import tollgate.bench.Flags;

/**
 * What the mock answers: sizes, token counts and timing; defaults from the command line, each overridable per
 * request by an {@code x-mock-*} header of the same name (e.g. {@code x-mock-chunk-delay-ms: 20}).
 *
 * @param bodyBytes minimum size of a non-streamed JSON body; the message content is padded to reach it
 * @param chunkBytes content characters in each streamed delta
 * @param chunks content chunks in a stream (the role chunk, the finish chunk and the usage chunk come on top)
 * @param cutAfter a stream is cut (the connection closed, no usage, no {@code [DONE]}) after this many content
 *     chunks; 0: never (the soak's upstream that fails mid-stream)
 */
public record MockOptions(int bodyBytes, int chunkBytes, int chunks, long chunkDelayMillis, long ttfbMillis,
                          long promptTokens, long completionTokens, int cutAfter) {
    static final int MAX_BODY_BYTES = 64 << 20;
    static final int MAX_CHUNK_BYTES = 64 << 10;
    static final int MAX_CHUNKS = 100_000;
    static final long MAX_DELAY_MILLIS = 600_000;

    public static final MockOptions DEFAULTS = new MockOptions(0, 4, 20, 0, 0, 25, 120, 0);

    public MockOptions(int bodyBytes, int chunkBytes, int chunks, long chunkDelayMillis, long ttfbMillis,
                       long promptTokens, long completionTokens) {
        this(bodyBytes, chunkBytes, chunks, chunkDelayMillis, ttfbMillis, promptTokens, completionTokens, 0);
    }

    public MockOptions {
        check("body-bytes", bodyBytes, MAX_BODY_BYTES);
        check("chunk-bytes", chunkBytes, MAX_CHUNK_BYTES);
        check("chunks", chunks, MAX_CHUNKS);
        check("chunk-delay-ms", chunkDelayMillis, MAX_DELAY_MILLIS);
        check("ttfb-ms", ttfbMillis, MAX_DELAY_MILLIS);
        check("prompt-tokens", promptTokens, Integer.MAX_VALUE);
        check("completion-tokens", completionTokens, Integer.MAX_VALUE);
        check("cut-after", cutAfter, MAX_CHUNKS);
    }

    private static void check(String name, long value, long max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 0.." + max + ")");
        }
    }

    static MockOptions fromFlags(Flags f) {
        MockOptions d = DEFAULTS;
        return new MockOptions(
                f.intValue("body-bytes", d.bodyBytes, 0, MAX_BODY_BYTES),
                f.intValue("chunk-bytes", d.chunkBytes, 0, MAX_CHUNK_BYTES),
                f.intValue("chunks", d.chunks, 0, MAX_CHUNKS),
                f.longValue("chunk-delay-ms", d.chunkDelayMillis, 0, MAX_DELAY_MILLIS),
                f.longValue("ttfb-ms", d.ttfbMillis, 0, MAX_DELAY_MILLIS),
                f.longValue("prompt-tokens", d.promptTokens, 0, Integer.MAX_VALUE),
                f.longValue("completion-tokens", d.completionTokens, 0, Integer.MAX_VALUE),
                f.intValue("cut-after", d.cutAfter, 0, MAX_CHUNKS));
    }

    /** These options with the request's {@code x-mock-*} headers applied; a bad header value throws. */
    MockOptions with(HttpHeaders h) {
        if (!h.contains("x-mock-body-bytes") && !h.contains("x-mock-chunk-bytes") && !h.contains("x-mock-chunks")
                && !h.contains("x-mock-chunk-delay-ms") && !h.contains("x-mock-ttfb-ms")
                && !h.contains("x-mock-prompt-tokens") && !h.contains("x-mock-completion-tokens")
                && !h.contains("x-mock-cut-after")) {
            return this;
        }
        return new MockOptions(
                intHeader(h, "x-mock-body-bytes", bodyBytes),
                intHeader(h, "x-mock-chunk-bytes", chunkBytes),
                intHeader(h, "x-mock-chunks", chunks),
                header(h, "x-mock-chunk-delay-ms", chunkDelayMillis),
                header(h, "x-mock-ttfb-ms", ttfbMillis),
                header(h, "x-mock-prompt-tokens", promptTokens),
                header(h, "x-mock-completion-tokens", completionTokens),
                intHeader(h, "x-mock-cut-after", cutAfter));
    }

    private static int intHeader(HttpHeaders h, String name, int fallback) {
        return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, header(h, name, fallback)));
    }

    private static long header(HttpHeaders h, String name, long fallback) {
        String v = h.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: a whole number)");
        }
    }
}
