package tollgate.metering.usage;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tollgate.metering.audio.AudioDuration;

/**
 * The length of the audio file in a {@code multipart/form-data} upload (RFC 7578), read as the body streams past in
 * any splitting: the boundary is the body's first line, the file is the first part whose
 * {@code Content-Disposition} names a {@code filename}, and its bytes (up to the next delimiter) go to an
 * {@link AudioDuration}. Once that has its answer the rest of the body is not looked at, unless the form's
 * {@code model} is wanted too: openai-java sends its file first, so a {@code model} after a file larger than the
 * bytes the upload was admitted on ({@link MultipartFields}) is read here as it passes. Keeps a few hundred bytes
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
    /** The {@code model} field is read wherever it is. */
    private final boolean readsModel;
    private @Nullable String model;
    /** The {@code model} field's value as it arrives; {@code valueBytes} is -1 outside it, past the cap when too long. */
    private final byte[] value = new byte[MultipartFields.MAX_VALUE_BYTES];
    private int valueBytes = -1;
    private State state = State.BOUNDARY_LINE;
    /** A boundary line or a part's headers, as they arrive. */
    private final StringBuilder line = new StringBuilder();
    /** CRLF {@code --} boundary, once known. */
    private byte[] delimiter = new byte[0];
    /** {@link #delimiter}'s bytes, read with absolute gets only. */
    private ByteBuffer delimiterBytes = ByteBuffer.wrap(delimiter);
    /** Bytes of {@link #delimiter} matched at the end of what has arrived (held back from the file: they may end it). */
    private int matched;
    private boolean inFile;
    private boolean fileSeen;
    private @Nullable String reason;

    /** Measures the file only. */
    public MultipartAudio() {
        this(false);
    }

    /** @param readsModel read the form's {@code model} field too, wherever it is (the first bytes named none) */
    public MultipartAudio(boolean readsModel) {
        this.readsModel = readsModel;
    }

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

    /** The form's {@code model} (cut at 128 characters) when it was asked for and has passed; null otherwise. */
    public @Nullable String model() {
        return model;
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
                delimiterBytes = ByteBuffer.wrap(delimiter);
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
                valueBytes = !inFile && readsModel && model == null
                        && "model".equals(MultipartFields.fieldName(line.toString())) ? 0 : -1;
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
                part(b, start, i);
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
                part(delimiterBytes, 0, matched);
                matched = 0;
            }
            if (state == State.DONE) {
                return to;
            }
        }
        return to;
    }

    /** Bytes of the part being read: the file's go to the audio reader, the {@code model} field's are kept. */
    private void part(ByteBuffer b, int from, int to) {
        if (from >= to) {
            return;
        }
        if (inFile) {
            audio.feed(b, from, to);
            if (finished()) {
                state = State.DONE;
            }
        } else if (valueBytes >= 0 && valueBytes <= value.length) {
            int n = Math.min(to - from, value.length + 1 - valueBytes);
            b.get(from, value, valueBytes, Math.min(n, value.length - valueBytes));
            valueBytes += n;
        }
    }

    /** Nothing more is wanted of the body. */
    private boolean finished() {
        return !audio.wantsMore() && (!readsModel || model != null);
    }

    private void partEnded() {
        if (inFile) {
            inFile = false;
            audio.end();
        } else if (valueBytes >= 0) {
            if (valueBytes <= value.length) {
                model = FieldCap.cap(new String(value, 0, valueBytes, StandardCharsets.UTF_8).strip());
            }
            valueBytes = -1;
        }
        state = finished() ? State.DONE : State.AFTER_DELIMITER;
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
