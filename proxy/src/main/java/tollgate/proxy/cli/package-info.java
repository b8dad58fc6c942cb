@NullMarked
package tollgate.proxy.cli;

import org.jspecify.annotations.NullMarked;
