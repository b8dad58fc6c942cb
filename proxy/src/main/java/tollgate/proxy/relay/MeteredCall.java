package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.metering.call.CallAccounting;
import tollgate.metering.call.CallEnd;
import tollgate.metering.call.FinishedCall;
import tollgate.metering.call.MeteredRequest;
import tollgate.metering.usage.BatchOutputMeter;
import tollgate.metering.usage.MultipartAudio;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;

/**
 * The tap of one call: feeds response bytes to a {@link ResponseMeter} on the event loop (it keeps no body),
 * and hands the finished call to {@link CallAccounting}, which prices and records it off the I/O threads.
 *
 * <p>A file download ({@code GET /v1/files/{id}/content}) or an Anthropic Message Batch's results ({@code GET
 * /v1/messages/batches/{id}/results}) is not metered itself, but its bytes go to a {@link BatchOutputMeter}: each result line of a Batch API output file is handed to accounting as a call of its own
 * the moment the line is whole (SPEC 12: at batch prices, {@code batch: true}, tagged with its {@code custom_id},
 * charged to the key that downloads it).
 *
 * <p>A transcription's upload passes through a {@link MultipartAudio} as it goes upstream: the length of its file,
 * read from the audio container, is what whisper-1 bills when the answer (plain text, subtitles, {@code json}) gives
 * no duration of its own.
 */
public final class MeteredCall implements CallTap {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MeteredCall.class);

    private final CallAccounting accounting;
    private MeteredRequest request;
    private final Runnable releaseBody;
    private @Nullable ResponseMeter meter;
    private @Nullable BatchOutputMeter batch;
    private @Nullable String requestId;
    private boolean passThrough;
    private @Nullable ContentInflater inflater;
    private final @Nullable MultipartAudio upload;

    MeteredCall(CallAccounting accounting, MeteredRequest request) {
        this(accounting, request, () -> { });
    }

    /** @param releaseBody lets go of the request body once the call is recorded (see {@link CallRequest#holdBody}) */
    MeteredCall(CallAccounting accounting, MeteredRequest request, Runnable releaseBody) {
        this.accounting = accounting;
        this.request = request;
        this.releaseBody = releaseBody;
        RequestInfo req = request.request();
        // a form whose first bytes named no model may name it after its file: read as the upload passes
        this.upload = req != null && req.endpoint().isTranscription() ? new MultipartAudio(req.model() == null) : null;
    }

    @Override
    public boolean readsRequestBody() {
        return upload != null;
    }

    @Override
    public void onRequestBytes(ByteBuffer bytes) {
        MultipartAudio u = upload;
        if (u != null) {
            u.onBytes(bytes);
        }
    }

    @Override
    public void onRequestEnd() {
        MultipartAudio u = upload;
        if (u != null) {
            u.onEnd();
        }
    }

    @Override
    public void provider(String name, boolean trustCost) {
        request = request.withProvider(name, trustCost);
    }

    @Override
    public void onResponseHead(HttpResponse head) {
        requestId = head.headers().get("x-request-id");
        if (request.request() == null) {
            // only a non-POST call reaches a /v1/ path unmetered: a file's content downloaded (GET)
            String fileId = head.status().code() == 200 ? BatchOutputMeter.downloadId(request.path()) : null;
            if (fileId != null) {
                batch = new BatchOutputMeter(r -> accounting.finishBatchResult(request, fileId, r));
                inflate(head);
            }
            return;
        }
        ResponseMeter m = ResponseMeter.create(request.request().endpoint(), head.status().code(),
                head.headers().get(HttpHeaderNames.CONTENT_TYPE), request.usageInjected());
        meter = m;
        if (!inflate(head)) {
            m.unreadableEncoding();
        }
    }

    /** False when the answer comes in a content coding that cannot be read. */
    private boolean inflate(HttpResponse head) {
        String coding = head.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (coding != null && !coding.isBlank() && !coding.trim().equalsIgnoreCase("identity")) {
            // the upstream compressed its answer although asked for identity: the client gets its bytes as sent
            // (nothing can be cut from compressed bytes, so nothing is held back) and metering reads them inflated
            passThrough = true;
            inflater = ContentInflater.of(coding);
            if (inflater == null) {
                batch = null;
                return false;
            }
        }
        return true;
    }

    @Override
    public void onBytes(ByteBuffer bytes) {
        if (meter == null && batch == null) {
            return;
        }
        ContentInflater in = inflater;
        if (in == null) {
            read(bytes);
        } else if (!in.inflate(bytes, this::read)) {
            unreadable();
            closeInflater();
        }
    }

    private void read(ByteBuffer bytes) {
        ResponseMeter m = meter;
        if (m != null) {
            m.onBytes(bytes);
        }
        BatchOutputMeter b = batch;
        if (b != null) {
            b.onBytes(bytes);
        }
    }

    private void unreadable() {
        ResponseMeter m = meter;
        if (m != null) {
            m.unreadableEncoding();
        }
        // an output file that cannot be read is not billed in part: it makes no more results
        batch = null;
    }

    @Override
    public void onEnd() {
        ContentInflater in = inflater;
        if ((meter != null || batch != null) && in != null && !in.finish(this::read)) {
            unreadable();
        }
        closeInflater();
        ResponseMeter m = meter;
        if (m != null) {
            m.onEnd();
        }
        BatchOutputMeter b = batch;
        if (b != null) {
            b.onEnd();
        }
    }

    private void closeInflater() {
        ContentInflater in = inflater;
        inflater = null;
        if (in != null) {
            in.close();
        }
    }

    @Override
    public boolean holdsBack() {
        ResponseMeter m = meter;
        return !passThrough && m != null && m.holdsBack();
    }

    @Override
    public long releasableOffset() {
        ResponseMeter m = meter;
        return m == null || passThrough ? Long.MAX_VALUE : m.releasableOffset();
    }

    @Override
    public List<long[]> takeDroppedRanges() {
        ResponseMeter m = meter;
        return m == null || passThrough ? List.of() : m.takeDroppedRanges();
    }

    @Override
    public void stopHoldingBack() {
        passThrough = true;
    }

    @Override
    public void onFinish(CallEnd end) {
        closeInflater();
        BatchOutputMeter b = batch;
        if (b != null) {
            accounting.batchLinesUnparsed(b.unparsedLines());
        }
        // every download the gate began ends here, whatever its answer was
        String download = request.request() == null ? BatchOutputMeter.downloadId(request.path()) : null;
        if (download != null) {
            accounting.batchDownloadEnded(download);
        }
        ResponseMeter m = meter;
        MultipartAudio u = upload;
        RequestInfo req = request.request();
        if (u != null && req != null) {
            req.withUploadModel(u.model());
        }
        if (m != null && u != null) {
            m.uploadedAudioSeconds(u.seconds());
            if (u.seconds() == null && log.isDebugEnabled()) {
                log.debug("{}: no length of the uploaded audio ({}); priced from the answer alone",
                        request.path(), u.reason() == null ? "the upload did not end" : u.reason());
            }
        }
        accounting.finish(new FinishedCall(request, meter, requestId, end, releaseBody));
    }
}
