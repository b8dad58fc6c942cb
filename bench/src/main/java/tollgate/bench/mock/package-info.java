/** A fast mock of the OpenAI chat completions API (JSON and SSE), for the benchmarks. */
@NullMarked
package tollgate.bench.mock;

import org.jspecify.annotations.NullMarked;
