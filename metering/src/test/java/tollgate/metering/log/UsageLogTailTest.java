package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageLogTailTest {
    private static final LocalDate DAY = LocalDate.parse("2026-11-22");

    @TempDir
    Path dir;

    private static String line(String id) {
        return UsageRecordJson.toJson(TestRecords.at(Instant.parse("2026-11-22T10:00:00Z"), id));
    }

    private void append(String text) throws Exception {
        Files.writeString(dir.resolve(UsageLogFiles.fileName(DAY)), text, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void handsOutCompleteLinesOnlyAndFollowsTheFileAsItGrows() throws Exception {
        String first = line("r1");
        String second = line("r2");
        append(first + "\n" + second.substring(0, 20));
        try (UsageLogTail tail = UsageLogTail.open(dir, DAY, 0)) {
            assertThat(tail.next().requestId()).isEqualTo("r1");
            assertThat(tail.lineOffset()).isZero();
            assertThat(tail.offset()).isEqualTo(first.length() + 1);
            // the writer is in the middle of the second line: not handed out, the offset stays before it
            assertThat(tail.next()).isNull();
            assertThat(tail.offset()).isEqualTo(first.length() + 1);
            append(second.substring(20) + "\r\n\n{\"not\":\"a record\"}\n" + line("r3") + "\n");
            assertThat(tail.next().requestId()).isEqualTo("r2");
            assertThat(tail.lineOffset()).isEqualTo(first.length() + 1);
            assertThat(tail.next().requestId()).isEqualTo("r3");
            // a line's place in the spool is where it starts, past the blank and malformed lines before it
            assertThat(tail.lineOffset()).isEqualTo(first.length() + 1 + second.length() + 2 + 1
                    + "{\"not\":\"a record\"}".length() + 1);
            assertThat(tail.malformed()).isEqualTo(1);
            assertThat(tail.next()).isNull();
            assertThat(tail.offset()).isEqualTo(Files.size(dir.resolve(UsageLogFiles.fileName(DAY))));
        }
    }

    @Test
    void resumesAtAnOffsetInThePlainFileOrInItsGzippedCopy() throws Exception {
        append(line("r1") + "\n" + line("r2") + "\n" + line("r3") + "\n");
        long afterFirst = line("r1").length() + 1;
        try (UsageLogTail tail = UsageLogTail.open(dir, DAY, afterFirst)) {
            assertThat(tail.next().requestId()).isEqualTo("r2");
        }
        Path plain = dir.resolve(UsageLogFiles.fileName(DAY));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(UsageLogFiles.fileName(DAY) + ".gz")))) {
            Files.copy(plain, out);
        }
        Files.delete(plain);
        try (UsageLogTail tail = UsageLogTail.open(dir, DAY, afterFirst)) {
            assertThat(tail.next().requestId()).isEqualTo("r2");
            // offsets in the gzipped copy count its uncompressed bytes, as in the plain file
            assertThat(tail.lineOffset()).isEqualTo(afterFirst);
            assertThat(tail.next().requestId()).isEqualTo("r3");
            assertThat(tail.next()).isNull();
        }
        assertThat(UsageLogTail.open(dir, DAY.plusDays(1), 0)).isNull();
    }

    @Test
    void aLineOverTheLimitIsSkippedAsMalformed() throws Exception {
        String huge = "{\"pad\":\"" + "x".repeat(UsageLogReader.MAX_LINE_BYTES) + "\"}";
        append(huge + "\n" + line("after") + "\n");
        try (UsageLogTail tail = UsageLogTail.open(dir, DAY, 0)) {
            assertThat(tail.next().requestId()).isEqualTo("after");
            assertThat(tail.lineOffset()).isEqualTo(huge.length() + 1);
            assertThat(tail.malformed()).isEqualTo(1);
            assertThat(tail.offset()).isEqualTo(huge.length() + 1 + line("after").length() + 1);
        }
    }
}
