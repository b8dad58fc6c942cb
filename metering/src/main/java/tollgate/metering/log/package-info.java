@NullMarked
package tollgate.metering.log;

import org.jspecify.annotations.NullMarked;
