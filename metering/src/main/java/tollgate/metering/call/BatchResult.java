package tollgate.metering.call;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.metering.usage.BatchOutputMeter;
import tollgate.metering.usage.RequestInfo;

/**
 * A result of a downloaded Batch API output file as a call of its own (SPEC 12): the key, user, tags and budgets of
 * the download, the result's {@code custom_id} as the tag {@value #CUSTOM_ID_TAG}, the endpoint its body answers, and
 * no latency (it is a line of a file, not a request: accounting counts neither for it). Its meter bills it at the batch
 * tier and records {@code batch: true}.
 */
public final class BatchResult {
    /** The tag a Batch API result's {@code custom_id} is recorded under. */
    public static final String CUSTOM_ID_TAG = "batch_custom_id";
    private static final byte[] NO_BODY = new byte[0];

    private BatchResult() {
    }

    /**
     * The finished call of one result line.
     *
     * @param download the download's request ({@code GET /v1/files/{id}/content}: no request info of its own)
     */
    public static FinishedCall finished(MeteredRequest download, BatchOutputMeter.Result r) {
        Map<String, String> tags = download.tags();
        if (r.customId() != null) {
            tags = new LinkedHashMap<>(tags);
            tags.put(CUSTOM_ID_TAG, r.customId());
        }
        MeteredRequest line = new MeteredRequest(download.keyId(), download.path(),
                RequestInfo.parse(r.endpoint(), NO_BODY), false, download.user(), tags, download.budget(), null, null,
                download.provider(), false);
        return new FinishedCall(line, r.meter(), r.requestId(), new CallEnd(Outcome.COMPLETE, r.meter().status(), 0, 0, 0, 0, 0));
    }
}
