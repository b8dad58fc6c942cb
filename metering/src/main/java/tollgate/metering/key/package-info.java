/** Who pays: the caller's key from the headers, its id (configured name or fingerprint) and virtual keys (SPEC 3). */
@NullMarked
package tollgate.metering.key;

import org.jspecify.annotations.NullMarked;
