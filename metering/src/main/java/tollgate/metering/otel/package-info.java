/**
 * OpenTelemetry export (issue 20): one CLIENT span per usage record with the GenAI semantic conventions, and the
 * GenAI client metrics, sent as OTLP/HTTP protobuf from the usage-log writer's thread; never on an I/O thread.
 */
@NullMarked
package tollgate.metering.otel;

import org.jspecify.annotations.NullMarked;
