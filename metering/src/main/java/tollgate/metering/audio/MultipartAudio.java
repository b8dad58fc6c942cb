package tollgate.metering.audio;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The length of the audio file in a {@code multipart/form-data} upload (RFC 7578), read as the body streams past in
 * any splitting: the boundary is the body's first line, the file is the first part whose
 * {@code Content-Disposition} names a {@code filename}, and its bytes (up to the next delimiter) go to an
 * {@link AudioDuration}. Once that has its answer the rest of the body is not looked at. Keeps a few hundred bytes
 * (a part's headers up to {@value #MAX_HEADER_BYTES}); never throws.
 * <pre>
 *   Exchange (each request chunk) → onBytes … onEnd → seconds() or reason()
 * </pre>
 */
public final class MultipartAudio {
    /** RFC 2046: a boundary is at most 70 characters; its line is {@code --} + boundary. */
    private static final int MAX_BOUNDARY_LINE = 2 + 70;
    static final int MAX_HEADER_BYTES = 8 * 1024;

    private enum State { BOUNDARY_LINE, HEADERS, BODY, AFTER_DELIMITER, DONE }

    private final AudioDuration audio = new AudioDuration();
    private State state = State.BOUNDARY_LINE;
    /** A boundary line or a part's headers, as they arrive. */
    private final StringBuilder line = new StringBuilder();
    /** CRLF {@code --} boundary, once known. */
    private byte[] delimiter = new byte[0];
    /** Bytes of {@link #delimiter} matched at the end of what has arrived (held back from the file: they may end it). */
    private int matched;
    private boolean inFile;
    private boolean fileSeen;
    private @Nullable String reason;

    /** The body's next bytes, from position to limit (not changed). */
    public void onBytes(ByteBuffer b) {
        int p = b.position();
        int to = b.limit();
        while (p < to && state != State.DONE) {
            p = switch (state) {
                case BOUNDARY_LINE -> boundaryLine(b, p, to);
                case HEADERS -> headers(b, p, to);
                case BODY -> body(b, p, to);
                case AFTER_DELIMITER -> afterDelimiter(b, p, to);
                case DONE -> to;
            };
        }
    }

    /** The body has ended. */
    public void onEnd() {
        if (state != State.DONE) {
            stop(state == State.BOUNDARY_LINE ? "not a multipart body"
                    : fileSeen ? "the upload ended inside its file" : "the upload has no file part");
        }
    }

    /** The file's length in seconds; null when unknown. */
    public @Nullable BigDecimal seconds() {
        return audio.seconds();
    }

    /** Why {@link #seconds()} is null; null when it is not, or while the upload is still arriving. */
    public @Nullable String reason() {
        return audio.seconds() != null ? null : audio.reason() != null ? audio.reason() : reason;
    }

    private int boundaryLine(ByteBuffer b, int p, int to) {
        for (int i = p; i < to; i++) {
            char c = (char) (b.get(i) & 0xff);
            if (c == '\n') {
                String l = line.toString();
                line.setLength(0);
                if (!l.startsWith("--") || !l.endsWith("\r") || l.length() < 4) {
                    stop("not a multipart body");
                    return to;
                }
                delimiter = ("\r\n" + l.substring(0, l.length() - 1)).getBytes(StandardCharsets.ISO_8859_1);
                state = State.HEADERS;
                return i + 1;
            }
            line.append(c);
            if (line.length() > MAX_BOUNDARY_LINE + 1) {
                stop("not a multipart body");
                return to;
            }
        }
        return to;
    }

    private int headers(ByteBuffer b, int p, int to) {
        for (int i = p; i < to; i++) {
            line.append((char) (b.get(i) & 0xff));
            int n = line.length();
            if (n >= 4 && line.charAt(n - 1) == '\n' && line.charAt(n - 2) == '\r' && line.charAt(n - 3) == '\n'
                    && line.charAt(n - 4) == '\r') {
                inFile = !fileSeen && isFile(line);
                fileSeen |= inFile;
                line.setLength(0);
                state = State.BODY;
                return i + 1;
            }
            if (n > MAX_HEADER_BYTES) {
                stop("a multipart part's headers over " + MAX_HEADER_BYTES + " bytes");
                return to;
            }
        }
        return to;
    }

    /** A part that carries a file: its {@code Content-Disposition} names a {@code filename}. */
    private static boolean isFile(CharSequence headers) {
        for (String h : headers.toString().split("\r\n")) {
            String l = h.toLowerCase(Locale.ROOT);
            if (l.startsWith("content-disposition:") && l.contains("filename")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A part's bytes up to the delimiter: a byte that may start it is {@code CR}, which no boundary holds (RFC 2046's
     * bchars), so a failed match resumes at the byte that failed, and the matched bytes are the delimiter's own.
     */
    private int body(ByteBuffer b, int p, int to) {
        int i = p;
        while (i < to) {
            if (matched == 0) {
                int start = i;
                while (i < to && b.get(i) != '\r') {
                    i++;
                }
                file(b, start, i);
                if (i == to) {
                    return to;
                }
                matched = 1;
                i++;
            } else if (b.get(i) == delimiter[matched]) {
                matched++;
                i++;
                if (matched == delimiter.length) {
                    matched = 0;
                    partEnded();
                    return i;
                }
            } else {
                file(ByteBuffer.wrap(delimiter), 0, matched);
                matched = 0;
            }
            if (state == State.DONE) {
                return to;
            }
        }
        return to;
    }

    private void file(ByteBuffer b, int from, int to) {
        if (inFile && from < to) {
            audio.feed(b, from, to);
            if (!audio.wantsMore()) {
                state = State.DONE;
            }
        }
    }

    private void partEnded() {
        if (inFile) {
            inFile = false;
            audio.end();
            state = State.DONE;
            return;
        }
        state = State.AFTER_DELIMITER;
    }

    /** After a delimiter: {@code --} ends the body, CRLF starts the next part's headers. */
    private int afterDelimiter(ByteBuffer b, int p, int to) {
        for (int i = p; i < to; i++) {
            line.append((char) (b.get(i) & 0xff));
            if (line.length() == 2) {
                boolean next = line.charAt(0) == '\r' && line.charAt(1) == '\n';
                line.setLength(0);
                if (!next) {
                    stop("the upload has no file part");
                    return to;
                }
                state = State.HEADERS;
                return i + 1;
            }
        }
        return to;
    }

    private void stop(String why) {
        if (audio.seconds() == null && audio.reason() == null) {
            reason = why;
        }
        state = State.DONE;
    }
}
