/** The JSONL usage log (SPEC 8): one record per metered call, its line format, the non-blocking writer and the reader. */
@NullMarked
package tollgate.metering.log;

import org.jspecify.annotations.NullMarked;
