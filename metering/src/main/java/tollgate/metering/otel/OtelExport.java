package tollgate.metering.otel;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import tollgate.config.OtelConfig;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.log.WrittenRecord;

/**
 * The OpenTelemetry export of issue 20: a usage-log listener ({@code UsageLogWriter.addListener}) that turns each
 * written record into one CLIENT span with the GenAI semantic conventions, child of the client's W3C
 * {@code traceparent} when it sent one, and records the GenAI client metrics. Spans wait in a bounded queue
 * ({@link SpanQueue}); a failed export is counted ({@code tollgate_otel_export_failures_total}), a span that finds the
 * queue full too ({@code tollgate_otel_dropped_spans_total}). The cost attribute is a double: the exact value stays
 * in the usage log.
 */
public final class OtelExport implements Consumer<WrittenRecord>, AutoCloseable {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> CACHE_READ = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    static final AttributeKey<Long> CACHE_WRITE = AttributeKey.longKey("gen_ai.usage.cache_write.input_tokens");
    static final AttributeKey<Long> REASONING = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("gen_ai.usage.cost.amount");
    static final AttributeKey<String> CURRENCY = AttributeKey.stringKey("gen_ai.usage.cost.currency");
    static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("tollgate.key.id");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("tollgate.request.id");
    static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("tollgate.stream");
    static final AttributeKey<Boolean> ESTIMATED = AttributeKey.booleanKey("tollgate.usage.estimated");

    /** GenAI semantic conventions' advised buckets for {@code gen_ai.client.token.usage}. */
    private static final List<Long> TOKEN_BUCKETS = List.of(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L,
            262144L, 1048576L, 4194304L, 16777216L, 67108864L);
    /** ... and for {@code gen_ai.client.operation.duration}, in seconds. */
    private static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92);

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /** The exporters log each failure through java.util.logging: a dead collector must cost a counter, not a log. */
    private static final Logger EXPORTER_LOG = Logger.getLogger("io.opentelemetry.exporter");

    private final SdkTracerProvider tracerProvider;
    private final SdkMeterProvider meterProvider;
    private final SpanQueue spans;
    private final FailureCounting.Counter failures;
    private final Tracer tracer;
    private final LongHistogram tokenUsage;
    private final DoubleHistogram duration;

    private OtelExport(OtelConfig config, Duration spanDelay, Duration metricInterval) {
        EXPORTER_LOG.setLevel(Level.OFF);
        this.failures = new FailureCounting.Counter(String.valueOf(config.tracesEndpoint()));
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), config.serviceName())));
        OtlpHttpSpanExporterBuilder sb = OtlpHttpSpanExporter.builder()
                .setEndpoint(String.valueOf(config.tracesEndpoint()))
                .setRetryPolicy(null)
                .setMemoryMode(io.opentelemetry.sdk.common.export.MemoryMode.IMMUTABLE_DATA);
        config.headers().forEach(sb::addHeader);
        this.spans = new SpanQueue(new FailureCounting.Spans(sb.build(), failures), config.queueCapacity(), spanDelay);
        this.tracerProvider = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(spans).build();
        SdkMeterProviderBuilder meters = SdkMeterProvider.builder().setResource(resource);
        if (config.metricsEndpoint() != null) {
            OtlpHttpMetricExporterBuilder mb = OtlpHttpMetricExporter.builder()
                    .setEndpoint(String.valueOf(config.metricsEndpoint()))
                    .setRetryPolicy(null);
            config.headers().forEach(mb::addHeader);
            meters.registerMetricReader(PeriodicMetricReader.builder(new FailureCounting.Metrics(mb.build(), failures))
                    .setInterval(metricInterval).build());
        }
        this.meterProvider = meters.build();
        this.tracer = tracerProvider.get("tollgate");
        Meter meter = meterProvider.get("tollgate");
        this.tokenUsage = meter.histogramBuilder("gen_ai.client.token.usage").ofLongs()
                .setDescription("Number of input and output tokens used").setUnit("{token}")
                .setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS).build();
        this.duration = meter.histogramBuilder("gen_ai.client.operation.duration")
                .setDescription("GenAI operation duration").setUnit("s")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
    }

    /** The export of {@code config}, or null when it is off. */
    public static @Nullable OtelExport start(OtelConfig config) {
        return start(config, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    public static @Nullable OtelExport start(OtelConfig config, Duration spanDelay, Duration metricInterval) {
        return config.enabled() ? new OtelExport(config, spanDelay, metricInterval) : null;
    }

    /** {@code tollgate_otel_dropped_spans_total} and {@code tollgate_otel_export_failures_total}. */
    public void bind(MeterRegistry registry) {
        FunctionCounter.builder("tollgate.otel.dropped.spans", spans, SpanQueue::dropped)
                .description("Spans dropped because the OpenTelemetry export queue was full").register(registry);
        FunctionCounter.builder("tollgate.otel.export.failures", failures, FailureCounting.Counter::count)
                .description("OTLP exports (span or metric batches) that failed").register(registry);
    }

    public long droppedSpans() {
        return spans.dropped();
    }

    public long exportFailures() {
        return failures.count();
    }

    /** Called on the usage-log writer's thread after each record is written. */
    @Override
    public void accept(WrittenRecord written) {
        UsageRecord r = written.record();
        String operation = operation(r.endpoint());
        String provider = provider(r);
        // the log's times (SPEC 8: ts to the millisecond): the span is where the usage log says the call was
        Instant end = r.ts().truncatedTo(ChronoUnit.MILLIS);
        Instant start = end.minusMillis(r.durationMs());
        String error = r.error() != null ? r.error() : r.status() >= 400 ? Integer.toString(r.status()) : null;
        SpanBuilder b = tracer.spanBuilder(r.model() == null ? operation : operation + " " + r.model())
                .setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(start);
        if (r.trace().isEmpty()) {
            b.setNoParent();
        } else {
            b.setParent(W3CTraceContextPropagator.getInstance().extract(Context.root(), r.trace(), HEADERS));
        }
        AttributesBuilder common = Attributes.builder().put(OPERATION, operation).put(PROVIDER, provider);
        if (r.model() != null) {
            // the record's model is the response's when it named one, else the request's
            common.put(REQUEST_MODEL, r.model()).put(RESPONSE_MODEL, r.model());
        }
        if (error != null) {
            common.put(ERROR_TYPE, error);
        }
        Attributes metricAttrs = common.build();
        AttributesBuilder a = metricAttrs.toBuilder()
                .put(INPUT_TOKENS, r.inputTokens())
                .put(OUTPUT_TOKENS, r.outputTokens())
                .put(CACHE_READ, r.cachedInputTokens())
                .put(CACHE_WRITE, r.units().counts().cacheWriteTokens())
                .put(REASONING, r.reasoningTokens())
                .put(KEY_ID, r.key())
                .put(REQUEST_ID, r.requestId())
                .put(HTTP_STATUS, (long) r.status())
                .put(STREAM, r.stream())
                .put(ESTIMATED, r.estimated());
        if (r.costUsd() != null) {
            a.put(COST, r.costUsd().doubleValue()).put(CURRENCY, "USD");
        }
        b.setAllAttributes(a.build());
        Span span = b.startSpan();
        if (error != null) {
            span.setStatus(StatusCode.ERROR, error);
        }
        span.end(end);

        tokenUsage.record(r.inputTokens(), metricAttrs.toBuilder().put(TOKEN_TYPE, "input").build());
        tokenUsage.record(r.outputTokens(), metricAttrs.toBuilder().put(TOKEN_TYPE, "output").build());
        duration.record(r.durationMs() / 1000.0, metricAttrs);
    }

    /** {@code gen_ai.operation.name} of a usage-log endpoint. */
    static String operation(String endpoint) {
        return switch (endpoint) {
            case "/v1/chat/completions", "/v1/responses", "/v1/messages" -> "chat";
            case "/v1/completions" -> "text_completion";
            case "/v1/embeddings" -> "embeddings";
            case "/v1/images/generations", "/v1/images/edits" -> "generate_content";
            case "/v1/audio/speech" -> "speech";
            case "/v1/audio/transcriptions" -> "transcription";
            case "/v1/audio/translations" -> "translation";
            case "/v1/moderations" -> "moderation";
            default -> endpoint.contains(":generateContent") || endpoint.contains(":streamGenerateContent")
                    ? "generate_content" : endpoint.endsWith("/embeddings") ? "embeddings"
                    : endpoint.endsWith("/chat/completions") ? "chat" : "other";
        };
    }

    /** {@code gen_ai.provider.name}: the route's provider the record names, else Anthropic's API or OpenAI's. */
    static String provider(UsageRecord r) {
        return UsageUnits.providerOf(r.units().provider(), r.endpoint());
    }

    /** Exports what is queued and stops (at shutdown, after the usage log has been written). */
    @Override
    public void close() {
        tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
        meterProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
}
