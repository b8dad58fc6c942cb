package tollgate.metering.usage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The small text fields of a {@code multipart/form-data} upload (RFC 7578) that metering needs, such as {@code model}
 * of a transcription: read from the first {@value #MAX_SCANNED_BYTES} bytes only, never the uploaded file. The
 * boundary is the body's first line. A body that is not multipart, or a field past the scanned bytes, reads as
 * absent; reading never throws.
 */
final class MultipartFields {
    /** SDKs send the form's text fields before its file (openai-python, openai-node): they sit at the start. */
    static final int MAX_SCANNED_BYTES = 64 * 1024;
    static final int MAX_VALUE_BYTES = 256;

    private MultipartFields() {
    }

    /** The values of {@code names} found, each at most 256 bytes and cut at 128 characters. */
    static Map<String, String> read(ByteBuffer[] body, Set<String> names) {
        byte[] head = head(body);
        String text = new String(head, StandardCharsets.ISO_8859_1);
        Map<String, String> out = new HashMap<>();
        int eol = text.indexOf("\r\n");
        if (!text.startsWith("--") || eol < 3) {
            return out;
        }
        String delimiter = "\r\n" + text.substring(0, eol);
        int part = eol + 2;
        while (part < text.length()) {
            int headersEnd = text.indexOf("\r\n\r\n", part);
            if (headersEnd < 0) {
                break;
            }
            String name = fieldName(text.substring(part, headersEnd));
            int valueStart = headersEnd + 4;
            int valueEnd = text.indexOf(delimiter, valueStart);
            if (valueEnd < 0) {
                break;
            }
            if (name != null && names.contains(name) && valueEnd - valueStart <= MAX_VALUE_BYTES) {
                String v = new String(head, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8).strip();
                out.putIfAbsent(name, FieldCap.cap(v));
            }
            part = valueEnd + delimiter.length() + 2;
        }
        return out;
    }

    /** The form field name of a part without a file, from its headers; null for a file or a part without one. */
    static @Nullable String fieldName(String headers) {
        for (String line : headers.split("\r\n")) {
            String l = line.toLowerCase(Locale.ROOT);
            if (l.startsWith("content-disposition:") && l.contains("form-data") && !l.contains("filename")) {
                int at = l.indexOf("name=\"");
                if (at >= 0) {
                    int end = line.indexOf('"', at + 6);
                    return end < 0 ? null : line.substring(at + 6, end);
                }
            }
        }
        return null;
    }

    private static byte[] head(ByteBuffer[] body) {
        int total = 0;
        for (ByteBuffer b : body) {
            total += Math.min(b.remaining(), MAX_SCANNED_BYTES - total);
            if (total >= MAX_SCANNED_BYTES) {
                break;
            }
        }
        byte[] out = new byte[total];
        int at = 0;
        for (ByteBuffer b : body) {
            int n = Math.min(b.remaining(), total - at);
            b.duplicate().get(out, at, n);
            at += n;
            if (at >= total) {
                break;
            }
        }
        return out;
    }
}
