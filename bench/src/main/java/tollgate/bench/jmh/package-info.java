/** JMH microbenchmarks of metering's hot paths. */
@NullMarked
package tollgate.bench.jmh;

import org.jspecify.annotations.NullMarked;
