/**
 * The call recorder: what a call costs, decided in one place. The proxy hands in what the request said
 * ({@link tollgate.metering.call.MeteredRequest}), what the response meter read and how the call ended
 * ({@link tollgate.metering.call.CallEnd}); {@link tollgate.metering.call.CallRecorder} returns the one usage
 * record and the budget settlement, and {@link tollgate.metering.call.CallAccounting} applies them off the
 * I/O threads, in batches.
 */
@NullMarked
package tollgate.metering.call;

import org.jspecify.annotations.NullMarked;
