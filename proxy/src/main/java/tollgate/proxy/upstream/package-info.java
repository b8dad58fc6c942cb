@NullMarked
package tollgate.proxy.upstream;

import org.jspecify.annotations.NullMarked;
