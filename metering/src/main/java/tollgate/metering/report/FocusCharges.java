package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tollgate.metering.call.BatchResult;
import tollgate.metering.log.UsageLine;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.pricing.Billable;
import tollgate.metering.pricing.Charge;
import tollgate.metering.pricing.Charge.Part;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.pricing.ServiceTiers;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * The calls of a report's range summed into FOCUS charges ({@link FocusCsv}): one per charge period, provider, key,
 * model, part of a call ({@link Part}: input, cached input, cache write, output, web search…), price and tag set.
 *
 * <p>Each call's logged {@code cost_usd} is what its charges bill, split over its parts as
 * {@link CostCalculator#charges} prices them at the call's priced model and service tier (the one cost function);
 * when the log's cost differs from that (a provider's own bill, prices changed since), it is shared out in proportion,
 * the rounding left on the biggest part, so every call's charges add up to its {@code cost_usd} exactly and the
 * export's total is the report's. A call without a price gives its quantities at $0; a priced call whose parts the
 * table can no longer price bills its cost on one charge for the call.
 */
final class FocusCharges implements Consumer<UsageLine> {
    /** Distinct tag sets kept; the calls of any further set share one, {@code {"tollgate_tags":"other"}}. */
    static final int MAX_TAG_SETS = 10_000;
    static final Map<String, String> FOLDED_TAGS = Map.of(FocusCsv.FOLDED_TAG, StatsAccumulator.OTHER);
    /** Digits of a call's cost shared out in proportion (beyond them, the rest sits on its biggest part). */
    private static final int SHARE_SCALE = 18;

    /** How a charge's cost is known. */
    enum Basis {
        /** Priced part by part by the table. */
        ITEMIZED,
        /** The call had no price ({@code cost_usd: null}): its quantities, at $0. */
        UNPRICED,
        /** The call's cost as logged, on one charge: the table no longer prices its parts. */
        CALL_COST;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What a charge is: the rows of the export.
     *
     * @param end exclusive: the charge period is {@code start} to {@code end}, within one calendar month
     * @param tier the service tier priced (its table key), null for standard
     * @param unitPrice the part's price ({@link Charge#unitPrice()}), trailing zeros stripped; null without one
     * @param tags the calls' tags, without {@code batch_custom_id}
     */
    record Key(LocalDate start, LocalDate end, String provider, String key, String model, Part part,
               @Nullable String tier, boolean longContext, @Nullable BigDecimal unitPrice, Basis basis,
               Map<String, String> tags) {
    }

    /** A charge's sums. */
    static final class Sums {
        BigDecimal quantity = BigDecimal.ZERO;
        BigDecimal listCostUsd = BigDecimal.ZERO;
        BigDecimal billedCostUsd = BigDecimal.ZERO;
    }

    private final StatsQuery query;
    private final PricingTable table;
    private final Map<Key, Sums> charges = new LinkedHashMap<>();
    private final Set<Map<String, String>> tagSets = new HashSet<>();
    private long requests;
    private BigDecimal billedUsd = BigDecimal.ZERO;

    FocusCharges(StatsQuery query, PricingTable table) {
        this.query = query;
        this.table = table;
    }

    Map<Key, Sums> charges() {
        return Collections.unmodifiableMap(charges);
    }

    long requests() {
        return requests;
    }

    /** The logged cost of the calls, exact: the sum of the charges' billed cost. */
    BigDecimal billedUsd() {
        return Amounts.plain(billedUsd);
    }

    @Override
    public void accept(UsageLine c) {
        requests++;
        LocalDate day = c.day();
        ReportPeriod period = query.period();
        LocalDate month = day.withDayOfMonth(1);
        LocalDate start = latest(period.start(day), month, query.from());
        LocalDate end = earliest(period.next(period.start(day)), month.plusMonths(1), query.to().plusDays(1));
        @Nullable BigDecimal recorded = c.costUsd();
        @Nullable String pricedAs = CellKey.pricedAs(recorded, c.pricedAs());
        UnitCounts n = c.counts();
        Usage usage = new Usage(c.inputTokens(), c.cachedInputTokens(), c.outputTokens(), c.reasoningTokens(),
                n.cacheWriteTokens(), n.audioInputTokens(), n.audioOutputTokens(), 0, n.imageOutputTokens(),
                n.cacheWrite1hTokens());
        KeyParts k = new KeyParts(start, end, UsageUnits.providerOf(c.provider(), c.endpoint()), c.key(),
                GroupBy.pricedModel(pricedAs, c.model()), tags(c.tags()));
        if (recorded == null) {
            for (Charge ch : CostCalculator.unpricedCharges(usage, n)) {
                add(k.of(ch, null, false, Basis.UNPRICED), ch.quantity(), BigDecimal.ZERO, BigDecimal.ZERO);
            }
            return;
        }
        billedUsd = billedUsd.add(recorded);
        @Nullable PricedModel m = table.resolve(pricedAs != null ? pricedAs : c.model());
        @Nullable String serviceTier = c.units().serviceTier();
        @Nullable List<Charge> parts = m == null ? null
                : CostCalculator.charges(m.price(), new Billable(usage, n, serviceTier, null));
        BigDecimal @Nullable [] billed = parts == null ? null : share(recorded, parts);
        if (m == null || parts == null || billed == null) {
            for (Charge ch : CostCalculator.unpricedCharges(usage, n)) {
                add(k.of(ch, null, false, Basis.CALL_COST), ch.quantity(), BigDecimal.ZERO, BigDecimal.ZERO);
            }
            if (recorded.signum() != 0) {
                add(k.of(new Charge(Part.CALL, BigDecimal.ONE, null, recorded), null, false, Basis.CALL_COST),
                        BigDecimal.ONE, recorded, recorded);
            }
            return;
        }
        boolean longContext = CostCalculator.longContext(m.price(), usage.inputTokens());
        // the tier the call was priced at: a tier the model has no price for is billed at standard prices
        @Nullable String tier = CostCalculator.tierPriced(m.price(), serviceTier, usage.inputTokens())
                ? ServiceTiers.key(serviceTier) : null;
        for (int i = 0; i < parts.size(); i++) {
            Charge ch = parts.get(i);
            add(k.of(ch, tier, longContext, Basis.ITEMIZED), ch.quantity(), ch.usd(), billed[i]);
        }
    }

    /** The dimensions of a call's charges but its part's. */
    private record KeyParts(LocalDate start, LocalDate end, String provider, String key, String model,
                            Map<String, String> tags) {
        Key of(Charge ch, @Nullable String tier, boolean longContext, Basis basis) {
            BigDecimal price = ch.unitPrice() == null ? null : Amounts.plain(ch.unitPrice());
            return new Key(start, end, provider, key, model, ch.part(), tier, longContext, price, basis, tags);
        }
    }

    private void add(Key key, BigDecimal quantity, BigDecimal listUsd, BigDecimal billedUsd) {
        Sums s = charges.computeIfAbsent(key, x -> new Sums());
        s.quantity = s.quantity.add(quantity);
        s.listCostUsd = s.listCostUsd.add(listUsd);
        s.billedCostUsd = s.billedCostUsd.add(billedUsd);
    }

    /**
     * {@code recorded} shared over {@code parts} in proportion to their cost, each share to {@link #SHARE_SCALE}
     * digits and the rest on the costliest part, so the shares add up to it exactly; the parts' own costs when they
     * add up to it. Null when the parts cost nothing and {@code recorded} is not 0: nothing to share it by.
     */
    static BigDecimal @Nullable [] share(BigDecimal recorded, List<Charge> parts) {
        BigDecimal[] out = new BigDecimal[parts.size()];
        BigDecimal priced = Charge.total(parts);
        if (priced.compareTo(recorded) == 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] = parts.get(i).usd();
            }
            return out;
        }
        if (priced.signum() == 0) {
            if (recorded.signum() != 0) {
                return null;
            }
            Arrays.fill(out, BigDecimal.ZERO);
            return out;
        }
        int biggest = 0;
        BigDecimal rest = recorded;
        for (int i = 0; i < out.length; i++) {
            BigDecimal usd = parts.get(i).usd();
            out[i] = recorded.multiply(usd).divide(priced, SHARE_SCALE, RoundingMode.HALF_EVEN);
            rest = rest.subtract(out[i]);
            if (usd.compareTo(parts.get(biggest).usd()) > 0) {
                biggest = i;
            }
        }
        out[biggest] = out[biggest].add(rest);
        return out;
    }

    /** The call's tags as a charge carries them: without the per-call batch id, and past the bound folded. */
    private Map<String, String> tags(Map<String, String> callTags) {
        Map<String, String> t = callTags;
        if (t.containsKey(BatchResult.CUSTOM_ID_TAG)) {
            t = new HashMap<>(t);
            t.remove(BatchResult.CUSTOM_ID_TAG);
        }
        if (tagSets.contains(t)) {
            return t;
        }
        if (tagSets.size() >= MAX_TAG_SETS) {
            return FOLDED_TAGS;
        }
        t = Map.copyOf(t);
        tagSets.add(t);
        return t;
    }

    private static LocalDate latest(LocalDate a, LocalDate b, LocalDate c) {
        LocalDate m = a.isAfter(b) ? a : b;
        return m.isAfter(c) ? m : c;
    }

    private static LocalDate earliest(LocalDate a, LocalDate b, LocalDate c) {
        LocalDate m = a.isBefore(b) ? a : b;
        return m.isBefore(c) ? m : c;
    }
}
