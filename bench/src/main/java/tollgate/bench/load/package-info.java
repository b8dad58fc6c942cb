/** The load driver: open-loop (constant rate, coordinated-omission corrected), closed-loop and SSE streams. */
@NullMarked
package tollgate.bench.load;

import org.jspecify.annotations.NullMarked;
