package tollgate.metering.pricing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.Charge.Part;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * The cost of a call in USD, in exact decimal arithmetic (SPEC 5):
 * {@code (input − cached − cache_write) × input + cached × cached_input + cache_write × cache_write_price
 * + output × output}, prices per 1M tokens, divided by 10^6 exactly (a shift of the decimal point).
 *
 * <p>{@link Usage#inputTokens()} counts every prompt token, cached and cache-written ones included
 * (OpenAI's {@code prompt_tokens} convention; an Anthropic usage, whose {@code input_tokens} excludes
 * both, must add them). A call whose input is above a model's long-context threshold is priced entirely
 * at the tier's prices, as OpenAI and Anthropic bill it. A missing cached or cache-write price bills
 * those tokens at the input price. Cached and cache-written counts above the input count are
 * clamped to it, so a usage that breaks the convention is never billed below zero.
 *
 * <p>Anthropic's 1-hour cache writes ({@link Usage#cacheWrite1hTokens()}, part of the cache writes) are billed at
 * {@link UnitPrices#cacheWrite1h()} at standard rates; in a long-context or service tier, and for a model without that
 * price, at 2 × the call's input rate, Anthropic's rule for 1-hour writes (pricing docs, "Prompt caching").
 *
 * <p>A response's {@code service_tier} (SPEC 12) selects the model's {@link TierPrice} for every token of the call;
 * the standard tier, or a tier the model has no price for, bills the standard prices ({@link #tierPriced} tells
 * the two apart, so the second can be counted).
 *
 * <p>SPEC 12's other units ({@link #cost(ModelPrice, Billable)}): audio input and output tokens at the audio prices,
 * image input tokens at the image input price (each part of the input or output, and billed instead of it), plus
 * web searches per 1,000 calls, images by their option, audio per minute (by the second), characters per 1,000, and
 * a fee per call. A unit the model has no price for is never billed as $0: a web search without its fee, or an
 * image, a minute or a character of a call without token usage, leaves the call unpriced (null).
 */
public final class CostCalculator {
    private static final int PER_MILLION_DIGITS = 6;
    private static final BigDecimal SECONDS_PER_MINUTE = BigDecimal.valueOf(60);
    /** Anthropic: "1-hour cache write tokens are 2 times the base input tokens price" (pricing docs). */
    private static final BigDecimal ONE_HOUR_WRITE_MULTIPLIER = BigDecimal.valueOf(2);

    private CostCalculator() {
    }

    public static BigDecimal cost(ModelPrice p, Usage u) {
        return cost(p, u, longContext(p, u.inputTokens()));
    }

    /** The cost of a call answered at {@code serviceTier} (the response's {@code service_tier}; null: standard). */
    public static BigDecimal cost(ModelPrice p, Usage u, @Nullable String serviceTier) {
        boolean longContext = longContext(p, u.inputTokens());
        Rates r = Rates.of(p, longContext, serviceTier);
        boolean standard = !longContext && p.tier(serviceTier) == null;
        return cost(r, u, p.units(), oneHourWrite(r, p.units(), standard));
    }

    /** The cost of everything a call used; null when it used a unit its model has no price for. */
    public static @Nullable BigDecimal cost(ModelPrice p, Billable b) {
        List<Charge> charges = charges(p, b);
        return charges == null ? null : Charge.total(charges);
    }

    /**
     * What a call cost, part by part ({@link Charge}): the charges {@link #cost(ModelPrice, Billable)} adds up, parts
     * of none left out; null when it is null. A unit with no price of its own that the call's tokens pay for (an
     * image of a model priced by its tokens) is a charge of $0 with a null price.
     */
    public static @Nullable List<Charge> charges(ModelPrice p, Billable b) {
        UnitPrices up = p.units();
        UnitCounts n = b.units();
        Usage u = b.tokens();
        boolean tokens = u.inputTokens() > 0 || u.outputTokens() > 0;
        boolean longContext = longContext(p, u.inputTokens());
        Rates r = Rates.of(p, longContext, b.serviceTier());
        boolean standard = !longContext && p.tier(b.serviceTier()) == null;
        List<Charge> out = tokenCharges(r, u, up, oneHourWrite(r, up, standard));
        if (up.perCall() != null) {
            out.add(new Charge(Part.CALL, BigDecimal.ONE, up.perCall(), up.perCall()));
        }
        if (n.webSearchCalls() > 0) {
            if (up.webSearchPer1kCalls() == null) {
                return null;
            }
            BigDecimal searches = BigDecimal.valueOf(n.webSearchCalls());
            out.add(new Charge(Part.WEB_SEARCH, searches, up.webSearchPer1kCalls(),
                    up.webSearchPer1kCalls().multiply(searches).movePointLeft(3)));
        }
        if (n.images() > 0) {
            BigDecimal images = BigDecimal.valueOf(n.images());
            BigDecimal each = up.image(b.imageOption());
            if (each != null) {
                out.add(new Charge(Part.IMAGE, images, each, each.multiply(images)));
            } else if (!up.perImage().isEmpty() || !tokens) {
                // a size or quality the table does not price, or images without their tokens: never guessed
                return null;
            } else {
                out.add(unpriced(Part.IMAGE, images));
            }
        }
        if (n.audioSeconds().signum() > 0) {
            if (up.perMinute() != null) {
                out.add(new Charge(Part.AUDIO, n.audioSeconds(), up.perMinute(),
                        up.perMinute().multiply(n.audioSeconds()).divide(SECONDS_PER_MINUTE, MathContext.DECIMAL128)));
            } else if (!tokens) {
                return null;
            } else {
                out.add(unpriced(Part.AUDIO, n.audioSeconds()));
            }
        }
        if (n.characters() > 0) {
            BigDecimal characters = BigDecimal.valueOf(n.characters());
            if (up.per1kCharacters() != null) {
                out.add(new Charge(Part.CHARACTERS, characters, up.per1kCharacters(),
                        up.per1kCharacters().multiply(characters).movePointLeft(3)));
            } else if (!tokens) {
                return null;
            } else {
                out.add(unpriced(Part.CHARACTERS, characters));
            }
        }
        return out;
    }

    /**
     * The parts of a call that has no price, as {@link #charges} would split it with one: quantities, each at $0 with a
     * null price.
     */
    public static List<Charge> unpricedCharges(Usage u, UnitCounts n) {
        List<Charge> out = tokenCharges(null, u, UnitPrices.NONE, null);
        if (n.webSearchCalls() > 0) {
            out.add(unpriced(Part.WEB_SEARCH, BigDecimal.valueOf(n.webSearchCalls())));
        }
        if (n.images() > 0) {
            out.add(unpriced(Part.IMAGE, BigDecimal.valueOf(n.images())));
        }
        if (n.audioSeconds().signum() > 0) {
            out.add(unpriced(Part.AUDIO, n.audioSeconds()));
        }
        if (n.characters() > 0) {
            out.add(unpriced(Part.CHARACTERS, BigDecimal.valueOf(n.characters())));
        }
        return out;
    }

    private static Charge unpriced(Part part, BigDecimal quantity) {
        return new Charge(part, quantity, null, BigDecimal.ZERO);
    }

    /**
     * False when {@code serviceTier} names a tier other than standard that the model has no price for (or none for
     * a call this long): such a call is billed at standard prices, and counted, never dropped.
     */
    public static boolean tierPriced(ModelPrice p, @Nullable String serviceTier, long inputTokens) {
        if (ServiceTiers.key(serviceTier) == null) {
            return true;
        }
        TierPrice t = p.tier(serviceTier);
        return t != null && (!longContext(p, inputTokens) || t.longContext() != null);
    }

    /** Whether a call with this many input tokens is priced entirely at the model's long-context tier. */
    public static boolean longContext(ModelPrice p, long inputTokens) {
        LongContextTier t = p.longContext();
        return t != null && inputTokens > t.aboveInputTokens();
    }

    /**
     * {@link #cost(ModelPrice, Usage)} with the tier chosen by the caller: for usage summed over calls that all
     * fall on one side of the model's long-context threshold (reports), whose sum says nothing about any call.
     */
    public static BigDecimal cost(ModelPrice p, Usage u, boolean longContext) {
        Rates r = Rates.of(p, longContext);
        return cost(r, u, p.units(), oneHourWrite(r, p.units(), !longContext));
    }

    private static BigDecimal oneHourWrite(Rates r, UnitPrices up, boolean standard) {
        BigDecimal listed = up.cacheWrite1h();
        return standard && listed != null ? listed : r.input.multiply(ONE_HOUR_WRITE_MULTIPLIER);
    }

    private static BigDecimal cost(Rates r, Usage u, UnitPrices up, BigDecimal oneHourWrite) {
        return Charge.total(tokenCharges(r, u, up, oneHourWrite));
    }

    /**
     * The token parts of a call: {@code (input − cached − cache_write − audio − image) × input + cached × cached_input
     * + …}, prices per 1M tokens; parts of no tokens left out. Without rates ({@link #unpricedCharges}), the same
     * split at $0.
     */
    private static List<Charge> tokenCharges(@Nullable Rates r, Usage u, UnitPrices up, @Nullable BigDecimal oneHourWrite) {
        long cached = Math.min(u.cachedInputTokens(), u.inputTokens());
        long written = Math.min(u.cacheCreationInputTokens(), u.inputTokens() - cached);
        long written1h = Math.min(u.cacheWrite1hTokens(), written);
        long audioIn = Math.min(u.audioInputTokens(), u.inputTokens() - cached - written);
        long imageIn = Math.min(u.imageInputTokens(), u.inputTokens() - cached - written - audioIn);
        long uncached = u.inputTokens() - cached - written - audioIn - imageIn;
        long audioOut = Math.min(u.audioOutputTokens(), u.outputTokens());
        List<Charge> out = new ArrayList<>(6);
        tokens(out, Part.INPUT, uncached, r == null ? null : r.input);
        tokens(out, Part.CACHED_INPUT, cached, r == null ? null : r.cachedInput);
        tokens(out, Part.CACHE_WRITE, written - written1h, r == null ? null : r.cacheWrite);
        tokens(out, Part.CACHE_WRITE_1H, written1h, oneHourWrite);
        tokens(out, Part.AUDIO_INPUT, audioIn, r == null ? null : orElse(up.audioInput(), r.input));
        tokens(out, Part.IMAGE_INPUT, imageIn, r == null ? null : orElse(up.imageInput(), r.input));
        tokens(out, Part.OUTPUT, u.outputTokens() - audioOut, r == null ? null : r.output);
        tokens(out, Part.AUDIO_OUTPUT, audioOut, r == null ? null : orElse(up.audioOutput(), r.output));
        return out;
    }

    private static void tokens(List<Charge> out, Part part, long count, @Nullable BigDecimal perMillion) {
        if (count == 0) {
            return;
        }
        BigDecimal n = BigDecimal.valueOf(count);
        out.add(perMillion == null ? unpriced(part, n)
                : new Charge(part, n, perMillion, perMillion.multiply(n).movePointLeft(PER_MILLION_DIGITS)));
    }

    private static BigDecimal maxOf(BigDecimal a, @Nullable BigDecimal b) {
        return b == null ? a : a.max(b);
    }

    private static BigDecimal orElse(@Nullable BigDecimal v, BigDecimal fallback) {
        return v != null ? v : fallback;
    }

    /**
     * The most a call can cost, for a budget reservation: every prompt token at the highest price a prompt token of
     * the model can be billed at (input; a cache write, at the 1-hour price for a model that bills cache writes;
     * audio or image input where the model prices them: no discount is known before the call, and a surcharge may
     * come) and {@code maxOutputTokens} at the higher of the output and audio output prices.
     */
    public static BigDecimal worstCase(ModelPrice p, long promptTokens, long maxOutputTokens) {
        if (promptTokens < 0 || maxOutputTokens < 0) {
            throw new IllegalArgumentException("promptTokens, maxOutputTokens: " + promptTokens + ", " + maxOutputTokens
                    + " (expected: >= 0)");
        }
        return worstCase(p, Rates.of(p, longContext(p, promptTokens)), true, promptTokens, maxOutputTokens);
    }

    /**
     * {@link #worstCase(ModelPrice, long, long)} of a request that asks for {@code serviceTier}: the higher of the
     * standard and that tier's prices, so a request for priority (Fast mode, twice the price) reserves what it may
     * cost and a flex request reserves no less than standard (the answer may come at the standard tier).
     */
    public static BigDecimal worstCase(ModelPrice p, long promptTokens, long maxOutputTokens, @Nullable String serviceTier) {
        BigDecimal standard = worstCase(p, promptTokens, maxOutputTokens);
        if (p.tier(serviceTier) == null) {
            return standard;
        }
        BigDecimal tier = worstCase(p, Rates.of(p, longContext(p, promptTokens), serviceTier), false, promptTokens,
                maxOutputTokens);
        return tier.max(standard);
    }

    private static BigDecimal worstCase(ModelPrice p, Rates r, boolean standard, long promptTokens,
            long maxOutputTokens) {
        UnitPrices up = p.units();
        BigDecimal in = r.input.max(r.cacheWrite);
        if (p.cacheWrite() != null || up.cacheWrite1h() != null) {
            in = in.max(oneHourWrite(r, up, standard));
        }
        in = maxOf(in, up.audioInput());
        in = maxOf(in, up.imageInput());
        BigDecimal out = maxOf(r.output, up.audioOutput());
        BigDecimal perMillion = in.multiply(BigDecimal.valueOf(promptTokens))
                .add(out.multiply(BigDecimal.valueOf(maxOutputTokens)));
        return ModelPrice.normalized(perMillion.movePointLeft(PER_MILLION_DIGITS));
    }

    /**
     * The prices per 1M tokens a call is billed at, the missing ones filled in as billing fills them: what reports
     * show beside their arithmetic.
     */
    public record Rates(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output) {
        public static Rates of(ModelPrice p, boolean longContext) {
            LongContextTier t = p.longContext();
            if (longContext && t != null) {
                return of(t);
            }
            return new Rates(p.input(), orElse(p.cachedInput(), p.input()), orElse(p.cacheWrite(), p.input()), p.output());
        }

        /** The rates of a call at a service tier; standard ones when the model has no price for it ({@link #tierPriced}). */
        public static Rates of(ModelPrice p, boolean longContext, @Nullable String serviceTier) {
            TierPrice t = p.tier(serviceTier);
            if (t == null || (longContext && p.longContext() != null && t.longContext() == null)) {
                return of(p, longContext);
            }
            if (longContext && t.longContext() != null) {
                return of(t.longContext());
            }
            // a tier priced by its input and output alone (as providers list batch prices) bills cached input and
            // cache writes as it bills input: the model's own prices scaled as the tier scales input ("Batch costs
            // 50% of Standard rates"); at the tier's full input price a cached batch call cost more than at standard
            return new Rates(t.input(), orElse(t.cachedInput(), scaledLike(p.cachedInput(), t, p)),
                    orElse(t.cacheWrite(), scaledLike(p.cacheWrite(), t, p)), t.output());
        }

        private static BigDecimal scaledLike(@Nullable BigDecimal standard, TierPrice t, ModelPrice p) {
            return orElse(TierPrice.scaledLike(standard, t.input(), p.input()), t.input());
        }

        private static Rates of(LongContextTier t) {
            return new Rates(t.input(), orElse(t.cachedInput(), t.input()), orElse(t.cacheWrite(), t.input()), t.output());
        }
    }
}
