package tollgate.metering.usage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the recorded answers under src/test/resources/fixtures (origins in its README.md). */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** The stream with LF line ends replaced: recorded streams only use LF, and JSON data escapes its own. */
    static byte[] withLineEnds(byte[] lfStream, String eol) {
        return new String(lfStream, StandardCharsets.UTF_8).replace("\n", eol).getBytes(StandardCharsets.UTF_8);
    }

    /** The stream without its usage-only chunk, found by text: the data line with "choices":[] and a usage object. */
    static byte[] withoutUsageChunk(byte[] lfStream) {
        String s = new String(lfStream, StandardCharsets.UTF_8);
        int at = -1;
        for (int i = 0, end; (end = s.indexOf('\n', i)) >= 0; i = end + 1) {
            String line = s.substring(i, end);
            if (line.startsWith("data: ") && line.contains("\"choices\":[]") && line.contains("\"usage\":{")) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw new IllegalArgumentException("no usage-only chunk in the stream");
        }
        int end = s.indexOf("\n\n", at) + 2;
        return (s.substring(0, at) + s.substring(end)).getBytes(StandardCharsets.UTF_8);
    }
}
