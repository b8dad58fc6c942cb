package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.BatchOutputMeter;

/** Each result of a batch output file (fixtures/batch_output_openai_docs.jsonl) recorded at batch prices, exactly. */
class BatchResultTest {
    private static final PricingTable BUILT_IN = PricingTable.builtIn();

    @Test
    void everyResultIsOneRecordAtTheBatchPriceTaggedWithItsCustomId() throws IOException {
        MeteredRequest download = new MeteredRequest("storybot", "/v1/files/file-abc/content", null, false, "u-7",
                Map.of("team", "search"), CallBudgets.NONE, null);
        List<CallRecorder.Recorded> recorded = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> {
            FinishedCall c = BatchResult.finished(download, r);
            recorded.add(CallRecorderTest.RECORDER.record(c.request(), c.meter(), c.requestId(), c.end(),
                    CallRecorderTest.NOW, BUILT_IN));
        });
        m.onBytes(ByteBuffer.wrap(fixture()));
        m.onEnd();
        assertThat(recorded).hasSize(3);

        UsageRecord first = recorded.get(0).record();
        // gpt-4o-mini at its batch prices: 24 × 0.075 + 15 × 0.3 = 1.8 + 4.5 per 1M (standard: 24 × 0.15 + 15 × 0.6)
        assertThat(first.costUsd()).isEqualTo(new BigDecimal("0.0000063"));
        assertThat(first.units().batch()).isTrue();
        assertThat(first.units().serviceTier()).isEqualTo("batch");
        assertThat(first.endpoint()).isEqualTo("/v1/chat/completions");
        assertThat(first.model()).isEqualTo("gpt-4o-mini");
        assertThat(first.requestId()).isEqualTo("req_c187b3");
        assertThat(first.key()).isEqualTo("storybot");
        assertThat(first.user()).isEqualTo("u-7");
        assertThat(first.tags()).containsEntry("team", "search").containsEntry(BatchResult.CUSTOM_ID_TAG, "request-2");
        assertThat(first.estimated()).isFalse();
        assertThat(first.durationMs()).isZero();
        assertThat(recorded.get(0).unpricedTier()).isFalse();

        // gpt-3.5-turbo has no batch price in the table: billed at standard (22 × 0.5 + 2 × 1.5) and counted
        UsageRecord second = recorded.get(1).record();
        assertThat(second.pricedAs()).isEqualTo("gpt-3.5-turbo");
        assertThat(second.costUsd()).isEqualTo(new BigDecimal("0.000014"));
        assertThat(recorded.get(1).unpricedTier()).isTrue();
        assertThat(recorded.get(2).record().tags()).containsEntry(BatchResult.CUSTOM_ID_TAG, "request-1");
    }

    private static byte[] fixture() throws IOException {
        try (InputStream in = BatchResultTest.class.getResourceAsStream("/fixtures/batch_output_openai_docs.jsonl")) {
            return in.readAllBytes();
        }
    }
}
