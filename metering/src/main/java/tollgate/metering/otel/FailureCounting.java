package tollgate.metering.otel;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Exporters that count each failed export ({@code tollgate_otel_export_failures_total}) and log only the first. */
final class FailureCounting {
    private static final Logger log = LoggerFactory.getLogger(OtelExport.class);

    private FailureCounting() {
    }

    static final class Counter {
        private final String endpoint;
        private final LongAdder failures = new LongAdder();
        private final AtomicBoolean warned = new AtomicBoolean();

        Counter(String endpoint) {
            this.endpoint = endpoint;
        }

        long count() {
            return failures.sum();
        }

        CompletableResultCode watch(CompletableResultCode result) {
            result.whenComplete(() -> {
                if (!result.isSuccess()) {
                    failures.increment();
                    if (warned.compareAndSet(false, true)) {
                        log.warn("otel: export to {} failed; further failures are counted in "
                                + "tollgate_otel_export_failures_total, not logged", endpoint);
                    }
                }
            });
            return result;
        }
    }

    record Spans(SpanExporter delegate, Counter counter) implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return counter.watch(delegate.export(spans));
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }

    record Metrics(MetricExporter delegate, Counter counter) implements MetricExporter {
        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
            return counter.watch(delegate.export(metrics));
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return delegate.getAggregationTemporality(type);
        }

        @Override
        public Aggregation getDefaultAggregation(InstrumentType type) {
            return delegate.getDefaultAggregation(type);
        }

        @Override
        public MemoryMode getMemoryMode() {
            return delegate.getMemoryMode();
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
