/** Incremental text/event-stream decoding on raw bytes, for the usage tap of streamed answers. */
@NullMarked
package tollgate.metering.sse;

import org.jspecify.annotations.NullMarked;
