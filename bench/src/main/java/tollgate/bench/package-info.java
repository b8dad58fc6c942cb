/** Benchmarks of tollgate: a mock OpenAI upstream, a load driver, a results table, JMH benchmarks. */
@NullMarked
package tollgate.bench;

import org.jspecify.annotations.NullMarked;
