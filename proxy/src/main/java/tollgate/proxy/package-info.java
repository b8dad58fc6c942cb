@NullMarked
package tollgate.proxy;

import org.jspecify.annotations.NullMarked;
