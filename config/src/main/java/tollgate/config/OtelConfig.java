package tollgate.config;

import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * OpenTelemetry export (issue 20): one span per metered call and the GenAI client metrics, sent as OTLP/HTTP
 * protobuf. Off when {@code tracesEndpoint} is null.
 *
 * @param tracesEndpoint the full URL spans are posted to ({@code <otel.endpoint>/v1/traces})
 * @param metricsEndpoint the full URL metrics are posted to ({@code <otel.endpoint>/v1/metrics})
 * @param headers sent with every export (a collector's auth); values are secrets, never logged
 * @param serviceName the resource's {@code service.name}
 * @param queueCapacity spans waiting for export at most; past it a span is dropped and counted
 */
public record OtelConfig(@Nullable URI tracesEndpoint, @Nullable URI metricsEndpoint, Map<String, String> headers,
                         String serviceName, int queueCapacity) {
    public static final String DEFAULT_SERVICE_NAME = "tollgate";
    public static final int DEFAULT_QUEUE_CAPACITY = 2048;
    public static final OtelConfig OFF = new OtelConfig(null, null, Map.of(), DEFAULT_SERVICE_NAME, DEFAULT_QUEUE_CAPACITY);

    public OtelConfig {
        headers = Map.copyOf(headers);
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("otel.service_name: empty (expected: a service name, e.g. tollgate)");
        }
        if (queueCapacity < 1 || queueCapacity > 1_000_000) {
            throw new IllegalArgumentException("otel.queue_capacity: " + queueCapacity + " (expected: 1 to 1000000)");
        }
    }

    public boolean enabled() {
        return tracesEndpoint != null;
    }

    @Override
    public String toString() {
        return "OtelConfig[traces=" + tracesEndpoint + ", metrics=" + metricsEndpoint + ", headers=" + headers.keySet()
                + ", service=" + serviceName + "]";
    }
}
