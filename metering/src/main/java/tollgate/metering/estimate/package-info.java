/**
 * Token counts tollgate makes itself when the upstream reports none (SPEC 5): the model's real
 * tokenizer on the prompt, with OpenAI's chat message accounting, and on the text actually streamed.
 */
@NullMarked
package tollgate.metering.estimate;

import org.jspecify.annotations.NullMarked;
