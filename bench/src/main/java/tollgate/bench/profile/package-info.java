/** Reading JFR recordings of a bench run. */
@NullMarked
package tollgate.bench.profile;

import org.jspecify.annotations.NullMarked;
