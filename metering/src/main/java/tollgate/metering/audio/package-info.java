/**
 * The length of uploaded audio, read from its container's header as the upload streams past (SPEC 12: whisper-1
 * is billed per minute of the file; an answer asked for as plain text carries no duration).
 */
@NullMarked
package tollgate.metering.audio;

import org.jspecify.annotations.NullMarked;
