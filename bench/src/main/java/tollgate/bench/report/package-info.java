/** Turns the JSON of one bench run into the side-by-side table and the results file. */
@NullMarked
package tollgate.bench.report;

import org.jspecify.annotations.NullMarked;
