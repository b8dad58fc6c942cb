@NullMarked
package tollgate.proxy.relay;

import org.jspecify.annotations.NullMarked;
