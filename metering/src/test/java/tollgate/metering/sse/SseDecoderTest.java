package tollgate.metering.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SseDecoderTest {

    record Event(@Nullable String name, String data, long start, long end) {
    }

    static final class Recorder implements SseDecoder.Listener {
        final List<Event> events = new ArrayList<>();

        @Override
        public void onEvent(@Nullable String eventName, String data, long startOffset, long endOffset) {
            events.add(new Event(eventName, data, startOffset, endOffset));
        }
    }

    static List<Event> decodeWhole(byte[] stream) {
        Recorder recorder = new Recorder();
        SseDecoder decoder = new SseDecoder(recorder);
        decoder.feed(ByteBuffer.wrap(stream));
        decoder.end();
        return recorder.events;
    }

    static List<Event> decodeInPieces(byte[] stream, int[] cuts) {
        Recorder recorder = new Recorder();
        SseDecoder decoder = new SseDecoder(recorder);
        int from = 0;
        for (int cut : cuts) {
            decoder.feed(ByteBuffer.wrap(stream, from, cut - from));
            from = cut;
        }
        decoder.feed(ByteBuffer.wrap(stream, from, stream.length - from));
        decoder.end();
        return recorder.events;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] fixture(String name) {
        try (InputStream in = SseDecoderTest.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> whatwgExamples() {
        // the examples of WHATWG HTML §9.2.6 "Interpreting an event stream"
        return Stream.of(
                Arguments.of("multi-line data joined with LF", "data: YHOO\ndata: +2\ndata: 10\n\n",
                        List.of("YHOO\n+2\n10")),
                Arguments.of("comments, ids, no space after colon, two spaces kept",
                        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
                        List.of("first event", "second event", " third event")),
                Arguments.of("field without colon, empty data, unterminated event discarded",
                        "data\n\ndata\ndata\n\ndata:", List.of("", "\n")),
                Arguments.of("one optional space after the colon", "data:test\n\ndata: test\n\n",
                        List.of("test", "test")),
                Arguments.of("retry and unknown fields ignored", "retry: 1000\nfoo: bar\ndata: x\n\n", List.of("x")),
                Arguments.of("blank lines without data dispatch nothing", "\n\n\n: ping\n\ndata: x\n\n\n\n",
                        List.of("x")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("whatwgExamples")
    void decodesTheSpecExamplesWithEveryLineEnding(String title, String stream, List<String> expected) {
        for (String eol : List.of("\n", "\r\n", "\r")) {
            List<Event> events = decodeWhole(utf8(stream.replace("\n", eol)));
            assertThat(events).extracting(Event::data).as(title + " with " + eol.replace("\r", "CR").replace("\n", "LF"))
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void reportsAbsoluteOffsetsFromFirstLineToAfterTheDispatchingBlankLine() {
        String stream = "data: a\n\n: keep-alive\nevent: x\ndata: b\n\n\ndata: c\r\n\r\n";
        List<Event> events = decodeWhole(utf8(stream));
        int secondStart = stream.indexOf(": keep-alive");
        int thirdStart = stream.indexOf("data: c");
        assertThat(events).containsExactly(
                new Event(null, "a", 0, 9),
                new Event("x", "b", secondStart, stream.indexOf("\n\n\n") + 2),
                new Event(null, "c", thirdStart, stream.length()));
    }

    @Test
    void eventNameAppliesToOneEventOnly() {
        List<Event> events = decodeWhole(utf8("event: add\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n"));
        assertThat(events).extracting(Event::name).containsExactly("add", null, null);
    }

    @Test
    void skipsOneLeadingBomEvenWhenSplitAcrossReads() {
        byte[] stream = utf8("\uFEFFdata: a\n\n");
        assertThat(decodeWhole(stream)).containsExactly(new Event(null, "a", 3, stream.length));
        assertThat(decodeInPieces(stream, new int[] {1, 2, 3})).containsExactly(new Event(null, "a", 3, stream.length));
    }

    @Test
    void aBomAfterTheStartIsNotSkipped() {
        // only the stream's first BOM is dropped: "\uFEFFdata" is then an unknown field name
        assertThat(decodeWhole(utf8("\uFEFF\uFEFFdata: a\n\ndata: b\n\n"))).extracting(Event::data).containsExactly("b");
    }

    @Test
    void bytesThatOnlyStartLikeABomStayInTheFirstLine() {
        byte[] stream = {(byte) 0xEF, (byte) 0xBB, 'x', '\n', 'd', 'a', 't', 'a', ':', 'y', '\n', '\n'};
        assertThat(decodeInPieces(stream, new int[] {1})).containsExactly(new Event(null, "y", 0, stream.length));
    }

    @Test
    void waitsForAPossibleLfAfterACrThatEndsARead() {
        byte[] stream = utf8("data: a\r\n\r\ndata: b\r\r");
        List<Event> whole = decodeWhole(stream);
        assertThat(whole).containsExactly(new Event(null, "a", 0, 11), new Event(null, "b", 11, stream.length));
        assertThat(decodeInPieces(stream, new int[] {8, 10})).isEqualTo(whole);
        assertThat(decodeInPieces(stream, new int[] {9, 11, 19, 20})).isEqualTo(whole);
    }

    @Test
    void aBlankCrAtTheEndOfTheStreamDispatchesOnEnd() {
        Recorder recorder = new Recorder();
        SseDecoder decoder = new SseDecoder(recorder);
        decoder.feed(ByteBuffer.wrap(utf8("data: a\r\r")));
        assertThat(recorder.events).isEmpty();
        assertThat(decoder.pendingEventStart()).isZero();
        decoder.end();
        assertThat(recorder.events).containsExactly(new Event(null, "a", 0, 9));
    }

    @Test
    void dropsAnEventCutOffByTheEndOfTheStream() {
        assertThat(decodeWhole(utf8("data: a\n\ndata: b\n"))).extracting(Event::data).containsExactly("a");
    }

    @Test
    void keepsMultiByteCharactersSplitAtEveryByte() {
        byte[] stream = utf8("data: caf\u00e9 \u20ac \uD83D\uDE00\r\ndata: \u4e2d\u6587\r\n\r\n");
        List<Event> whole = decodeWhole(stream);
        assertThat(whole).extracting(Event::data).containsExactly("caf\u00e9 \u20ac \uD83D\uDE00\n\u4e2d\u6587");
        for (int cut = 1; cut < stream.length; cut++) {
            assertThat(decodeInPieces(stream, new int[] {cut})).as("cut at %d", cut).isEqualTo(whole);
        }
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decodeInPieces(stream, everyByte)).isEqualTo(whole);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat_stream_gpt-4o_tool_call.sse", "responses_stream_gpt-4o_text.sse"})
    void givesTheSameEventsForEverySplitOfARealStream(String name) {
        byte[] stream = fixture(name);
        List<Event> whole = decodeWhole(stream);
        assertThat(whole).hasSizeGreaterThan(5);
        assertThat(whole.get(whole.size() - 1).end()).isEqualTo(stream.length);
        for (int cut = 1; cut < stream.length; cut++) {
            assertThat(decodeInPieces(stream, new int[] {cut})).as("cut at %d", cut).isEqualTo(whole);
        }
        Random random = new Random(42);
        for (int run = 0; run < 50; run++) {
            assertThat(decodeInPieces(stream, randomCuts(random, stream.length))).isEqualTo(whole);
        }
    }

    @Test
    void everyEventOfARealStreamCoversItsBytesWithoutGaps() {
        byte[] stream = fixture("responses_stream_gpt-5_function_call.sse");
        List<Event> events = decodeWhole(stream);
        long expectedStart = 0;
        for (Event event : events) {
            assertThat(event.start()).isEqualTo(expectedStart);
            String raw = new String(stream, (int) event.start(), (int) (event.end() - event.start()), StandardCharsets.UTF_8);
            assertThat(raw).isEqualTo("event: " + event.name() + "\ndata: " + event.data() + "\n\n");
            expectedStart = event.end();
        }
        assertThat(expectedStart).isEqualTo(stream.length);
    }

    @Test
    void skipsAndCountsAnEventOverTheCapThenGoesOn() {
        Recorder recorder = new Recorder();
        SseDecoder decoder = new SseDecoder(recorder, 64);
        String big = "x".repeat(100);
        byte[] stream = utf8("data: small\n\ndata: " + big + "\n\ndata: a\ndata: " + big + "\n\nevent: e\ndata: after\n\n");
        for (int i = 0; i < stream.length; i += 7) {
            decoder.feed(ByteBuffer.wrap(stream, i, Math.min(7, stream.length - i)));
        }
        decoder.end();
        assertThat(recorder.events).extracting(Event::data).containsExactly("small", "after");
        assertThat(recorder.events.get(1).name()).isEqualTo("e");
        assertThat(decoder.oversizedEvents()).isEqualTo(2);
    }

    @Test
    void leavesTheCallersBufferAsItWasForHeapDirectAndReadOnlyBuffers() {
        byte[] stream = utf8("junk-before|data: a\n\ndata: b\n\n|junk-after");
        int from = stream.length - "data: a\n\ndata: b\n\n|junk-after".length();
        int to = from + "data: a\n\ndata: b\n\n".length();
        ByteBuffer direct = ByteBuffer.allocateDirect(stream.length).put(stream);
        for (ByteBuffer buf : List.of(ByteBuffer.wrap(stream), direct, ByteBuffer.wrap(stream).asReadOnlyBuffer(),
                ByteBuffer.wrap(stream, 3, stream.length - 3).slice())) {
            int shift = buf.capacity() == stream.length ? 0 : 3;
            buf.limit(to - shift).position(from - shift);
            Recorder recorder = new Recorder();
            new SseDecoder(recorder).feed(buf);
            assertThat(buf.position()).isEqualTo(from - shift);
            assertThat(buf.limit()).isEqualTo(to - shift);
            assertThat(recorder.events).extracting(Event::data).containsExactly("a", "b");
        }
    }

    @Test
    void ignoresBytesAfterEnd() {
        Recorder recorder = new Recorder();
        SseDecoder decoder = new SseDecoder(recorder);
        decoder.end();
        decoder.feed(ByteBuffer.wrap(utf8("data: a\n\n")));
        assertThat(recorder.events).isEmpty();
    }

    @Test
    void rejectsANonPositiveCap() {
        assertThatThrownBy(() -> new SseDecoder(new Recorder(), 0))
                .hasMessage("maxEventBytes: 0 (expected: >= 1)");
    }

    static int[] randomCuts(Random random, int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (true) {
            at += 1 + random.nextInt(random.nextBoolean() ? 8 : 600);
            if (at >= length) {
                break;
            }
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Decodes through the bytes listener, copying each event's data out while the call lasts. */
    static List<Event> decodeBytes(byte[] stream, int[] cuts, boolean direct) {
        List<Event> events = new ArrayList<>();
        SseDecoder decoder = new SseDecoder((SseDecoder.DataListener) (name, data, offset, length, start, end) ->
                events.add(new Event(name, new String(data, offset, length, StandardCharsets.UTF_8), start, end)));
        int from = 0;
        int[] all = java.util.Arrays.copyOf(cuts, cuts.length + 1);
        all[cuts.length] = stream.length;
        for (int cut : all) {
            ByteBuffer buf;
            if (direct) {
                buf = ByteBuffer.allocateDirect(cut - from).put(stream, from, cut - from).flip();
            } else {
                buf = ByteBuffer.wrap(stream, from, cut - from);
            }
            decoder.feed(buf);
            from = cut;
        }
        decoder.end();
        return events;
    }

    @ParameterizedTest
    @ValueSource(strings = {"chat_stream_gpt-4o_tool_call.sse", "responses_stream_gpt-4o_text.sse",
            "completions_stream_gpt-3.5-turbo-instruct.sse"})
    void bytesListenerSeesWhatTheStringListenerSeesForEverySplit(String name) {
        byte[] stream = fixture(name);
        List<Event> expected = decodeWhole(stream);
        assertThat(expected).isNotEmpty();
        for (int cut = 0; cut <= stream.length; cut++) {
            assertThat(decodeBytes(stream, new int[] {cut}, cut % 2 == 0)).as("cut at %d", cut).isEqualTo(expected);
        }
        int[] everyByte = new int[stream.length - 1];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = i + 1;
        }
        assertThat(decodeBytes(stream, everyByte, true)).isEqualTo(expected);
    }

    @Test
    void bytesListenerGetsMultiByteCharactersWholeWhereverTheReadsSplitThem() {
        byte[] stream = utf8("event: caf\u00e9\ndata: \u4e16\u754c \uD83D\uDE00\ndata: \u00e9\n\n");
        for (int cut = 0; cut <= stream.length; cut++) {
            List<Event> events = decodeBytes(stream, new int[] {cut}, cut % 2 == 1);
            assertThat(events).as("cut at %d", cut)
                    .containsExactly(new Event("caf\u00e9", "\u4e16\u754c \uD83D\uDE00\n\u00e9", 0, stream.length));
        }
    }

    @Test
    void manyDistinctEventNamesAreEachReadRight() {
        StringBuilder stream = new StringBuilder();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String n = "response.kind" + (i % 20);
            names.add(n);
            stream.append("event: ").append(n).append("\ndata: ").append(i).append("\n\n");
        }
        List<Event> events = decodeWhole(utf8(stream.toString()));
        assertThat(events).extracting(Event::name).isEqualTo(names);
    }

    @Test
    void aDecoderFedFromInsideAnotherOnesListenerGetsItsOwnScratch() {
        byte[] inner = utf8("data: inner\n\n");
        List<String> seen = new ArrayList<>();
        SseDecoder nested = new SseDecoder((name, data, start, end) -> seen.add(data));
        SseDecoder outer = new SseDecoder((name, data, start, end) -> {
            seen.add(data);
            nested.feed(ByteBuffer.allocateDirect(inner.length).put(inner).flip());
        });
        byte[] stream = utf8("data: outer\n\ndata: second\n\n");
        outer.feed(ByteBuffer.allocateDirect(stream.length).put(stream).flip());
        assertThat(seen).containsExactly("outer", "inner", "second", "inner");
    }
}
