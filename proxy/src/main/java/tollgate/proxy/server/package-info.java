@NullMarked
package tollgate.proxy.server;

import org.jspecify.annotations.NullMarked;
