package tollgate.metering.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The span queue is bounded: a span that finds it full is dropped and counted, never waited for. */
class SpanQueueTest {
    @Test
    void aFullQueueDropsAndCountsWhileTheExporterIsStuck() throws Exception {
        CountDownLatch exporting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> exported = new CopyOnWriteArrayList<>();
        SpanExporter stuck = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                spans.forEach(s -> exported.add(s.getName()));
                exporting.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        SpanQueue queue = new SpanQueue(stuck, 2, Duration.ofMillis(1));
        SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(queue).build();
        Tracer tracer = provider.get("test");
        tracer.spanBuilder("first").startSpan().end();
        assertThat(exporting.await(10, TimeUnit.SECONDS)).isTrue();
        // the exporter holds "first": two spans fit in the queue, the next two do not
        for (String name : List.of("second", "third", "fourth", "fifth")) {
            tracer.spanBuilder(name).startSpan().end();
        }
        assertThat(queue.dropped()).isEqualTo(2);
        release.countDown();
        provider.shutdown().join(10, TimeUnit.SECONDS);
        assertThat(exported).containsExactly("first", "second", "third");
    }
}
