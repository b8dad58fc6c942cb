/** Metering: usage parsing, SSE, estimation, pricing, budgets, usage log, metrics, reports. Works on bytes; no Netty channel code. */
@NullMarked
package tollgate.metering;

import org.jspecify.annotations.NullMarked;
