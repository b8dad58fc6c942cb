/**
 * Prices per model (SPEC 6): the built-in table with its date, the pricing file that adds or
 * overrides models, resolution of the model names the API answers with, and exact cost arithmetic.
 */
@NullMarked
package tollgate.metering.pricing;

import org.jspecify.annotations.NullMarked;
