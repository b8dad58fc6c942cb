@NullMarked
package tollgate.metering.usage;

import org.jspecify.annotations.NullMarked;
