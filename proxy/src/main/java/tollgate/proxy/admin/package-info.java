@NullMarked
package tollgate.proxy.admin;

import org.jspecify.annotations.NullMarked;
