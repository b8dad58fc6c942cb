/** Typed, immutable configuration: records, loading (flag > env > file > default), validation, reload. */
@NullMarked
package tollgate.config;

import org.jspecify.annotations.NullMarked;
