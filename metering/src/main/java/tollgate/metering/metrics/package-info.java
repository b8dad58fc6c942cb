/** Prometheus metrics of SPEC 9 on a registry passed in, with bounded label values and meters cached per label set. */
@NullMarked
package tollgate.metering.metrics;

import org.jspecify.annotations.NullMarked;
