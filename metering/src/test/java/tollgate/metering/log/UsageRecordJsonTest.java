package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.UnitCounts;

class UsageRecordJsonTest {

    @Test
    void writesSpecExampleWithItsFieldOrderAndNumberFormat() {
        assertThat(UsageRecordJson.toJson(TestRecords.specExample())).isEqualTo(TestRecords.SPEC_EXAMPLE_LINE);
    }

    @Test
    void readsSpecExampleBackToTheSameRecord() {
        assertThat(UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE)).isEqualTo(TestRecords.specExample());
    }

    @Test
    void readsLinesWrittenBeforeSpec12sFieldsAsWithoutUnits() {
        assertThat(UsageRecordJson.parse(TestRecords.SPEC8_LINE)).isEqualTo(TestRecords.specExample());
    }

    @Test
    void spec12UnitsRoundTrip() {
        UsageUnits units = new UsageUnits(new UnitCounts(4012, 30, 40, 4160, 2, 1, new BigDecimal("8.470000267028809"), 67, 3000),
                "flex", "openai", true);
        UsageRecord base = TestRecords.specExample();
        UsageRecord r = new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(),
                base.pricedAs(), base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(),
                base.outputTokens(), base.reasoningTokens(), base.totalTokens(), base.estimated(), null, base.durationMs(),
                base.ttfbMs(), base.user(), base.tags(), base.error(), units);
        String line = UsageRecordJson.toJson(r);
        assertThat(line).endsWith("\"error\":null,\"cache_write_tokens\":4012,\"cache_write_1h_tokens\":3000,\"audio_input_tokens\":30,"
                + "\"audio_output_tokens\":40,\"image_output_tokens\":4160,\"web_search_calls\":2,\"images\":1,"
                + "\"audio_seconds\":8.470000267028809,\"characters\":67,\"service_tier\":\"flex\",\"provider\":\"openai\","
                + "\"batch\":true,\"unpriced\":true}");
        assertThat(UsageRecordJson.parse(line)).isEqualTo(r);
    }

    @Test
    void badUnitsBreakTheLine() {
        String line = TestRecords.SPEC8_LINE.replace("\"error\":null}", "\"error\":null,\"images\":-1}");
        assertThatThrownBy(() -> UsageRecordJson.parse(line)).isInstanceOf(MalformedLineException.class)
                .hasMessageContaining("images: -1");
        String seconds = TestRecords.SPEC8_LINE.replace("\"error\":null}", "\"error\":null,\"audio_seconds\":\"8\"}");
        assertThatThrownBy(() -> UsageRecordJson.parse(seconds)).isInstanceOf(MalformedLineException.class)
                .hasMessageContaining("audio_seconds");
    }

    @Test
    void costIsAPlainNumberWithoutExponentOrTrailingZeros() {
        assertThat(costText(new BigDecimal("1E-7"))).isEqualTo("0.0000001");
        assertThat(costText(new BigDecimal("0.50000"))).isEqualTo("0.5");
        assertThat(costText(new BigDecimal("1E+1"))).isEqualTo("10");
        assertThat(costText(new BigDecimal("0.000"))).isEqualTo("0");
        assertThat(costText(new BigDecimal("12.3456789012345678901234567890"))).isEqualTo("12.345678901234567890123456789");
    }

    @Test
    void nullsAreWrittenAsNull() {
        UsageRecord r = new UsageRecord(Instant.parse("2026-11-22T10:30:45Z"), "r", "fp-0123456789ab", "/v1/embeddings",
                null, null, false, 502, 0, 0, 0, 0, 0, true, null, 12, 0, null, Map.of(), "upstream_unavailable");
        String line = UsageRecordJson.toJson(r);
        assertThat(line).contains("\"model\":null,\"priced_as\":null,")
                .contains("\"cost_usd\":null,")
                .contains("\"user\":null,\"tags\":{},\"error\":\"upstream_unavailable\",")
                .contains("\"service_tier\":null,\"provider\":null,\"batch\":false,\"unpriced\":true}");
        assertThat(UsageRecordJson.parse(line)).isEqualTo(r);
    }

    @Test
    void tsAlwaysHasThreeFractionDigitsInUtc() {
        assertThat(UsageRecordJson.formatTs(Instant.parse("2026-11-22T10:30:45Z"))).isEqualTo("2026-11-22T10:30:45.000Z");
        assertThat(UsageRecordJson.formatTs(Instant.parse("2026-11-22T10:30:45.123456789Z")))
                .isEqualTo("2026-11-22T10:30:45.123Z");
    }

    @Test
    void tagsAreWrittenSortedByName() {
        UsageRecord r = withTags(Map.of("zeta", "1", "alpha", "2", "mid", "3"));
        assertThat(UsageRecordJson.toJson(r)).contains("\"tags\":{\"alpha\":\"2\",\"mid\":\"3\",\"zeta\":\"1\"}");
    }

    @Test
    void quotesAndLineBreaksInValuesStayOnOneLineAndRoundTrip() {
        UsageRecord r = withTags(Map.of("q", "say \"hi\"\nthen\u2028go"));
        String line = UsageRecordJson.toJson(r);
        assertThat(line).doesNotContain("\n");
        assertThat(UsageRecordJson.parse(line)).isEqualTo(r);
    }

    @Test
    void costIsReadExactlyNotThroughADouble() {
        String line = TestRecords.SPEC_EXAMPLE_LINE.replace("0.0002775", "0.10000000000000000555");
        assertThat(UsageRecordJson.parse(line).costUsd()).isEqualByComparingTo("0.10000000000000000555");
    }

    @Test
    void unknownFieldsAreSkipped() {
        String line = TestRecords.SPEC_EXAMPLE_LINE.replace("\"error\":null}", "\"error\":null,\"new\":{\"a\":[1,2]}}");
        assertThat(UsageRecordJson.parse(line)).isEqualTo(TestRecords.specExample());
    }

    @Test
    void malformedLinesThrowNamingTheProblem() {
        assertThatThrownBy(() -> UsageRecordJson.parse("not json")).isInstanceOf(MalformedLineException.class)
                .hasMessageStartingWith("usage log line: not valid JSON");
        assertThatThrownBy(() -> UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE.substring(0, 80)))
                .isInstanceOf(MalformedLineException.class);
        assertThatThrownBy(() -> UsageRecordJson.parse("[1,2]")).hasMessage("usage log line: not a JSON object");
        assertThatThrownBy(() -> UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE.replace("\"status\":200", "\"status\":\"200\"")))
                .hasMessage("usage log line: status: VALUE_STRING (expected: an integer)");
        assertThatThrownBy(() -> UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE.replace("\"key\":\"storybot\",", "")))
                .hasMessage("usage log line: key: missing (expected: present and not null)");
        assertThatThrownBy(() -> UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE.replace("2026-11-22T10:30:45.123Z", "yesterday")))
                .hasMessage("usage log line: ts: 'yesterday' (expected: an ISO-8601 instant)");
        assertThatThrownBy(() -> UsageRecordJson.parse(TestRecords.SPEC_EXAMPLE_LINE + TestRecords.SPEC_EXAMPLE_LINE))
                .hasMessage("usage log line: content after the object");
    }

    private static String costText(BigDecimal cost) {
        UsageRecord base = TestRecords.specExample();
        UsageRecord r = new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(),
                base.pricedAs(), base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(),
                base.outputTokens(), base.reasoningTokens(), base.totalTokens(), base.estimated(), cost,
                base.durationMs(), base.ttfbMs(), base.user(), base.tags(), base.error());
        String line = UsageRecordJson.toJson(r);
        int start = line.indexOf("\"cost_usd\":") + "\"cost_usd\":".length();
        return line.substring(start, line.indexOf(',', start));
    }

    private static UsageRecord withTags(Map<String, String> tags) {
        UsageRecord base = TestRecords.specExample();
        return new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(), base.pricedAs(),
                base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(), base.outputTokens(),
                base.reasoningTokens(), base.totalTokens(), base.estimated(), base.costUsd(), base.durationMs(),
                base.ttfbMs(), base.user(), tags, base.error());
    }

    /** The line is written by hand; Jackson's generator (what wrote the log before) is the reference for strings. */
    @Test
    void escapesStringsByteForByteAsJacksonDid() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper jackson = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder every = new StringBuilder();
        for (char c = 0; c < 0x100; c++) {
            every.append(c);
        }
        java.util.Random random = new java.util.Random(20261203);
        java.util.List<String> samples = new java.util.ArrayList<>(java.util.List.of(every.toString(), "",
                "caf\u00e9 \u4e2d\u6587 \ud83d\ude00 end", "quote\" back\\ slash/", "\u2028\u2029\u007f",
                "lone \ud800 high", "lone \udc00 low", "high at end \ud83d"));
        for (int k = 0; k < 200; k++) {
            char[] cs = new char[random.nextInt(40)];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = (char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000));
            }
            samples.add(new String(cs));
        }
        UsageRecord base = TestRecords.specExample();
        for (String s : samples) {
            UsageRecord r = new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(),
                    base.pricedAs(), base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(),
                    base.outputTokens(), base.reasoningTokens(), base.totalTokens(), base.estimated(), base.costUsd(),
                    base.durationMs(), base.ttfbMs(), s, Map.of(s, s), base.error(), base.units());
            byte[] expected = jackson.writeValueAsString(s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String written = new String(UsageRecordJson.toBytes(r), java.nio.charset.StandardCharsets.ISO_8859_1);
            String quoted = new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(written).contains("\"user\":" + quoted + ",").contains("\"tags\":{" + quoted + ":" + quoted + "}");
            if (!s.chars().anyMatch(c -> Character.isSurrogate((char) c))) {
                assertThat(UsageRecordJson.parse(UsageRecordJson.toJson(r)).user()).isEqualTo(s);
            }
        }
    }

    @Test
    void timestampsMatchTheLogsPatternFromEpochToYear9999() {
        java.time.format.DateTimeFormatter pattern = java.time.format.DateTimeFormatter
                .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC);
        java.util.Random random = new java.util.Random(7);
        java.util.List<Instant> samples = new java.util.ArrayList<>(java.util.List.of(Instant.EPOCH,
                Instant.parse("1969-12-31T23:59:59.999Z"), Instant.parse("2000-02-29T12:00:00Z"),
                Instant.parse("2026-12-31T23:59:59.999999Z"), Instant.parse("2100-03-01T00:00:00Z"),
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-06-01T00:00:00Z")));
        for (int k = 0; k < 10_000; k++) {
            samples.add(Instant.ofEpochMilli(random.nextLong(-62_135_596_800_000L, 253_402_300_799_999L)));
        }
        for (Instant t : samples) {
            assertThat(UsageRecordJson.formatTs(t)).as("%s", t).isEqualTo(pattern.format(t));
        }
    }

    /** Costs are written from their digits by hand: as BigDecimal's stripTrailingZeros().toPlainString() writes them. */
    @Test
    void decimalsAreWrittenPlainWithoutTrailingZerosAsBigDecimalDoes() {
        java.util.Random random = new java.util.Random(11);
        java.util.List<BigDecimal> samples = new java.util.ArrayList<>(java.util.List.of(new BigDecimal("0.0002775"),
                new BigDecimal("1.50"), new BigDecimal("100"), new BigDecimal("-0.5"), new BigDecimal("1E+3"),
                new BigDecimal("0.000000000000000001"), new BigDecimal("999999999999999999"),
                new BigDecimal("9999999999999999999.5"), new BigDecimal("12.000000000000000000000000000001"),
                new BigDecimal("0E-7"), new BigDecimal("-123456789012345678")));
        for (int k = 0; k < 5_000; k++) {
            samples.add(BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(-3, 25)));
        }
        UsageRecord base = TestRecords.specExample();
        for (BigDecimal d : samples) {
            UsageRecord r = new UsageRecord(base.ts(), base.requestId(), base.key(), base.endpoint(), base.model(),
                    base.pricedAs(), base.stream(), base.status(), base.inputTokens(), base.cachedInputTokens(),
                    base.outputTokens(), base.reasoningTokens(), base.totalTokens(), base.estimated(), d,
                    base.durationMs(), base.ttfbMs(), base.user(), base.tags(), base.error(), base.units());
            String expected = d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
            assertThat(UsageRecordJson.toJson(r)).as("%s", d).contains("\"cost_usd\":" + expected + ",");
        }
    }
}
