package tollgate.metering.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamedTextCounterTest {
    private static final TokenEstimator ESTIMATOR = new TokenEstimator();
    private static final List<String> FRAGMENTS = List.of(
            "The quick brown fox jumps over the lazy dog. ", "Hello, world!\n", "  indented code();\n", "\r\n",
            "x = 12345678 + 9;\n", "naïve café déjà vu ", "お誕生日おめでとう", "。", "😀🎉 ", "\n\n", "  ", "\t",
            "don't you'll we've ", "HTTPServerError ", "camelCaseWordsLikeThis ", "https://example.com/a/b?c=d ",
            "<|endoftext|>", "—", "\"quoted\" ", "1,000,000.00 ", "Ünïcödé ", "\n- item\n", "a", "I", " ");

    @Test
    void streamedCountEqualsWholeTextCountInBothEncodings() {
        Random random = new Random(42);
        for (String model : List.of("gpt-4o", "gpt-4")) {
            for (int round = 0; round < 20; round++) {
                StringBuilder whole = new StringBuilder();
                StreamedTextCounter counter = ESTIMATOR.streamCounter(model);
                int pieces = 200 + random.nextInt(4000);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < pieces; i++) {
                    text.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
                }
                int at = 0;
                while (at < text.length()) {
                    int end = Math.min(text.length(), at + 1 + random.nextInt(24));
                    counter.append(text.subSequence(at, end));
                    whole.append(text, at, end);
                    at = end;
                }
                assertThat(counter.tokens()).as(model + " round " + round)
                        .isEqualTo(ESTIMATOR.countText(model, whole.toString()));
            }
        }
    }

    @Test
    void proseIsCountedExactlyWhileHoldingOnlyAFewKiB() {
        StreamedTextCounter counter = ESTIMATOR.streamCounter("gpt-4o");
        String sentence = "Streaming answers arrive a few characters at a time, and each delta is small.\n";
        StringBuilder whole = new StringBuilder();
        int maxHeld = 0;
        for (int i = 0; i < 20_000; i++) {
            String delta = sentence.substring(0, 40);
            String rest = sentence.substring(40);
            counter.append(delta);
            maxHeld = Math.max(maxHeld, counter.heldChars());
            counter.append(rest);
            maxHeld = Math.max(maxHeld, counter.heldChars());
            whole.append(sentence);
        }
        assertThat(maxHeld).isLessThan(StreamedTextCounter.FLUSH_CHARS + sentence.length());
        assertThat(counter.tokens()).isEqualTo(ESTIMATOR.countText("gpt-4o", whole.toString()));
    }

    @Test
    void textWithoutBoundariesIsHeldNoLongerThanTheCap() {
        StreamedTextCounter counter = ESTIMATOR.streamCounter("gpt-4o");
        for (int i = 0; i < 100_000; i++) {
            counter.append("誕生日");
            assertThat(counter.heldChars()).isLessThan(StreamedTextCounter.MAX_HELD_CHARS);
        }
        assertThat(counter.tokens()).isPositive();
    }

    @Test
    void emptyStreamCountsZero() {
        StreamedTextCounter counter = ESTIMATOR.streamCounter(null);
        counter.append("");
        assertThat(counter.tokens()).isZero();
    }
}
