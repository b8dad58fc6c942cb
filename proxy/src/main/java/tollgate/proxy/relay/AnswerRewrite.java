package tollgate.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Replaces every occurrence of one byte string by another in an answer's body as its chunks pass, holding back only
 * the bytes that may still begin an occurrence (fewer than the string's length): never the body. Used for an
 * Anthropic Message Batch's {@code results_url}, which names the upstream's own origin
 * ({@code https://api.anthropic.com/v1/messages/batches/…/results}): Anthropic's Python and TypeScript SDKs fetch
 * that absolute URL, so unless it points at tollgate the batch's results never pass through it and are never metered
 * ({@link #resultsUrl}). One per answer, on its event loop.
 *
 * <p>Matching is Knuth–Morris–Pratt over the stream: the held bytes are always a prefix of {@code from}, so nothing
 * but a count is kept between chunks.
 */
public final class AnswerRewrite {
    private static final String BATCHES = "/v1/messages/batches";
    /** What may stand for the client's host in a URL we write into JSON: no quote, backslash, space or slash. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~\\-]+)*");

    private final byte[] from;
    private final byte[] to;
    /** KMP failure function: the longest proper prefix of {@code from[0..i]} that is also its suffix. */
    private final int[] fail;
    private int matched;

    AnswerRewrite(String from, String to) {
        if (from.isEmpty()) {
            throw new IllegalArgumentException("from: empty");
        }
        this.from = from.getBytes(StandardCharsets.UTF_8);
        this.to = to.getBytes(StandardCharsets.UTF_8);
        this.fail = new int[this.from.length];
        for (int i = 1, k = 0; i < this.from.length; i++) {
            while (k > 0 && this.from[i] != this.from[k]) {
                k = fail[k - 1];
            }
            if (this.from[i] == this.from[k]) {
                k++;
            }
            fail[i] = k;
        }
    }

    /**
     * The rewrite of a Message Batch answer's {@code results_url} (a {@code GET} of {@code /v1/messages/batches} or
     * {@code /v1/messages/batches/{id}}), from the upstream's base to the base the client called tollgate by; null
     * when the call is no such read, or its {@code Host} (or {@code X-Forwarded-Host}, {@code X-Forwarded-Proto})
     * is not one a URL can be made of.
     *
     * @param method the client's method
     * @param clientPath the client's request path, without its query, before any route prefix is taken off
     * @param upstreamBase the upstream's scheme, authority and base path, without a trailing slash
     */
    public static @Nullable AnswerRewrite resultsUrl(String method, String clientPath, @Nullable String host,
                                                     @Nullable String forwardedHost, @Nullable String forwardedProto,
                                                     String upstreamBase) {
        int at = clientPath.indexOf(BATCHES);
        if (!method.equals("GET") || at < 0) {
            return null;
        }
        String rest = clientPath.substring(at + BATCHES.length());
        boolean readsBatches = rest.isEmpty() || rest.equals("/")
                || rest.length() > 1 && rest.charAt(0) == '/' && rest.indexOf('/', 1) < 0;
        String prefix = clientPath.substring(0, at);
        String fwdHost = first(forwardedHost);
        String fwdProto = first(forwardedProto);
        String authority = fwdHost != null ? fwdHost : host;
        String scheme = fwdProto == null ? "http" : fwdProto.toLowerCase(Locale.ROOT);
        if (!readsBatches || authority == null || !HOST.matcher(authority).matches() || !PREFIX.matcher(prefix).matches()
                || !(scheme.equals("http") || scheme.equals("https"))) {
            return null;
        }
        return new AnswerRewrite(upstreamBase + BATCHES + "/", scheme + "://" + authority + prefix + BATCHES + "/");
    }

    /** The first of a comma-separated header's values (the client's side of a chain of proxies), trimmed. */
    private static @Nullable String first(@Nullable String header) {
        if (header == null) {
            return null;
        }
        int comma = header.indexOf(',');
        String v = (comma < 0 ? header : header.substring(0, comma)).trim();
        return v.isEmpty() ? null : v;
    }

    /**
     * The bytes of {@code in} (released) that are decided, rewritten; with {@code last}, also those held back. The
     * result is a new buffer the caller owns (possibly empty).
     */
    ByteBuf feed(ByteBuf in, boolean last, ByteBufAllocator alloc) {
        try {
            ByteBuf out = alloc.buffer(in.readableBytes() + to.length);
            for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                byte b = in.getByte(i);
                while (matched > 0 && from[matched] != b) {
                    // the candidate fails here: the bytes it no longer covers are the body's own
                    int keep = fail[matched - 1];
                    out.writeBytes(from, 0, matched - keep);
                    matched = keep;
                }
                if (from[matched] == b) {
                    if (++matched == from.length) {
                        out.writeBytes(to);
                        matched = 0;
                    }
                } else {
                    out.writeByte(b);
                }
            }
            if (last && matched > 0) {
                out.writeBytes(from, 0, matched);
                matched = 0;
            }
            return out;
        } finally {
            in.release();
        }
    }

    /** Bytes held back (a prefix of what is replaced): at most its length less one. */
    int held() {
        return matched;
    }
}
