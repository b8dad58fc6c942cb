package tollgate.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One HTTP/1.1 request, head and body encoded once; every send writes a retained duplicate of the same bytes,
 * so the driver spends no time encoding and the three targets see byte-identical requests.
 */
final class RequestTemplate implements AutoCloseable {
    private static final String FILLER = "Summarize the following text in one sentence, please. ";

    private final ByteBuf owned;
    private final ByteBuf bytes;
    private final int bodyBytes;

    private RequestTemplate(ByteBuf owned, int bodyBytes) {
        this.owned = owned;
        // sends write duplicates that the channel releases: those releases must not free the shared bytes
        this.bytes = Unpooled.unreleasableBuffer(owned);
        this.bodyBytes = bodyBytes;
    }

    /**
     * A chat completions request whose body has at least {@code minBodyBytes}.
     *
     * @param headers extra headers, e.g. {@code x-mock-chunks}
     */
    static RequestTemplate chat(String hostPort, String path, int minBodyBytes, boolean stream, boolean includeUsage,
                                Map<String, String> headers) {
        String head = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"";
        String tail = "\"}],\"max_tokens\":200"
                + (stream ? ",\"stream\":true" : "")
                + (stream && includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + "}";
        int contentChars = Math.max(FILLER.length(), minBodyBytes - head.length() - tail.length());
        StringBuilder content = new StringBuilder(contentChars);
        while (content.length() < contentChars) {
            content.append(FILLER, 0, Math.min(FILLER.length(), contentChars - content.length()));
        }
        byte[] body = (head + content + tail).getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(256)
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostPort).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Accept: ").append(stream ? "text/event-stream" : "application/json").append("\r\n")
                .append("Authorization: Bearer sk-bench-0000000000000000000000000000000000000000\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n");
        headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        h.append("\r\n");
        byte[] headBytes = h.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuf buf = Unpooled.directBuffer(headBytes.length + body.length).writeBytes(headBytes).writeBytes(body);
        return new RequestTemplate(buf, body.length);
    }

    ByteBuf next() {
        return bytes.duplicate();
    }

    int bodyBytes() {
        return bodyBytes;
    }

    /** Frees the bytes; only once no send is in flight any more. */
    @Override
    public void close() {
        if (owned.refCnt() > 0) {
            owned.release();
        }
    }
}
