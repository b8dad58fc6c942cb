package tollgate.metering.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.Charge.Part;
import tollgate.metering.pricing.Charge.Unit;
import tollgate.metering.report.FocusCharges.Basis;
import tollgate.metering.report.FocusCharges.Key;
import tollgate.metering.report.FocusCharges.Sums;

/**
 * Writes {@link FocusCharges} as a FinOps FOCUS 1.2 dataset in RFC 4180 CSV: the 21 mandatory columns, the
 * conditional ones a usage charge has (consumed and pricing quantities, list unit price, SKU, sub account, tags), and
 * tollgate's own {@code x_} columns. Dates are {@code YYYY-MM-DDTHH:mm:ssZ} (UTC), amounts plain decimals, a null an
 * empty field, {@code Tags} a JSON object. See docs/focus.md for what each column holds.
 */
final class FocusCsv {
    /** The provider-defined tag of the calls' tollgate key. */
    static final String KEY_TAG = "tollgate_key";
    /** The provider-defined tag of calls whose tag set was past {@link FocusCharges#MAX_TAG_SETS}. */
    static final String FOLDED_TAG = "tollgate_tags";

    static final List<String> COLUMNS = List.of(
            // FOCUS 1.2's mandatory columns
            "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
            "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
            "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
            "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
            // conditional and recommended ones that a usage charge has
            "ChargeFrequency", "ConsumedQuantity", "ConsumedUnit", "ListUnitPrice", "PricingCategory",
            "ServiceSubcategory", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
            // tollgate's
            "x_Provider", "x_Part", "x_ServiceTier", "x_LongContext", "x_CostBasis");

    private static final JsonFactory JSON = new JsonFactory();
    /** A charge with its {@code Tags} JSON, written once: rows sort by it. */
    private record Row(Key key, Sums sums, String tags) {
    }

    private static final Comparator<Row> ORDER = Comparator
            .comparing((Row r) -> r.key().start())
            .thenComparing(r -> r.key().provider())
            .thenComparing(r -> r.key().key())
            .thenComparing(r -> r.key().model())
            .thenComparing(Row::tags)
            .thenComparing(r -> r.key().basis())
            .thenComparing(r -> r.key().tier() == null ? "" : r.key().tier())
            .thenComparing(r -> r.key().longContext())
            .thenComparing(r -> r.key().part());

    private FocusCsv() {
    }

    static String write(Map<Key, Sums> charges) {
        StringBuilder out = new StringBuilder(256 + charges.size() * 400);
        StatsFormatter.csvRow(out, COLUMNS);
        List<Row> rows = new ArrayList<>(charges.size());
        charges.forEach((k, s) -> rows.add(new Row(k, s, tags(k))));
        rows.sort(ORDER);
        for (Row row : rows) {
            StatsFormatter.csvRow(out, cells(row));
        }
        return out.toString();
    }

    private static List<String> cells(Row row) {
        Key k = row.key();
        Sums s = row.sums();
        String provider = providerName(k.provider());
        Unit unit = k.part().unit();
        boolean priced = k.basis() == Basis.ITEMIZED;
        // a part billed through the call's tokens has a price of 0 of its own; a call without a price has none
        @Nullable BigDecimal unitPrice = priced ? (k.unitPrice() == null ? BigDecimal.ZERO : k.unitPrice()) : null;
        String billed = plain(s.billedCostUsd);
        LocalDate month = k.start().withDayOfMonth(1);
        List<String> c = new ArrayList<>(COLUMNS.size());
        c.add(billed);                                   // BilledCost
        c.add(k.provider());                             // BillingAccountId
        c.add("");                                       // BillingAccountName
        c.add("USD");                                    // BillingCurrency
        c.add(instant(month.plusMonths(1)));             // BillingPeriodEnd
        c.add(instant(month));                           // BillingPeriodStart
        c.add("Usage");                                  // ChargeCategory
        c.add("");                                       // ChargeClass: no correction
        c.add(description(k, provider));                 // ChargeDescription
        c.add(instant(k.end()));                         // ChargePeriodEnd
        c.add(instant(k.start()));                       // ChargePeriodStart
        c.add(billed);                                   // ContractedCost
        c.add(billed);                                   // EffectiveCost
        c.add(provider);                                 // InvoiceIssuerName
        c.add(plain(s.listCostUsd));                     // ListCost
        c.add(plain(pricingQuantity(s.quantity, unit))); // PricingQuantity
        c.add(pricingUnit(unit));                        // PricingUnit
        c.add(provider);                                 // ProviderName
        c.add(provider);                                 // PublisherName
        c.add("AI and Machine Learning");                // ServiceCategory
        c.add(provider + " API");                        // ServiceName
        c.add("Usage-Based");                            // ChargeFrequency
        c.add(plain(s.quantity));                        // ConsumedQuantity
        c.add(consumedUnit(unit));                       // ConsumedUnit
        c.add(unitPrice == null ? "" : plain(unitPrice)); // ListUnitPrice
        c.add(priced ? "Standard" : "");                 // PricingCategory
        c.add("Generative AI");                          // ServiceSubcategory
        c.add(k.model());                                // SkuId
        c.add(skuPriceId(k));                            // SkuPriceId
        c.add(k.key());                                  // SubAccountId
        c.add(k.key());                                  // SubAccountName
        c.add(row.tags());                               // Tags
        c.add(k.provider());                             // x_Provider
        c.add(k.part().id());                            // x_Part
        c.add(k.tier() == null ? "standard" : k.tier()); // x_ServiceTier
        c.add(Boolean.toString(k.longContext()));        // x_LongContext
        c.add(k.basis().id());                           // x_CostBasis
        return c;
    }

    /** The provider's name as its invoices give it; a provider id tollgate does not know, as configured. */
    static String providerName(String provider) {
        return switch (provider.toLowerCase(Locale.ROOT)) {
            case "openai" -> "OpenAI";
            case "anthropic" -> "Anthropic";
            case "gemini", "google", "vertex" -> "Google";
            case "azure" -> "Microsoft";
            case "openrouter" -> "OpenRouter";
            case "mistral" -> "Mistral AI";
            case "groq" -> "Groq";
            case "deepseek" -> "DeepSeek";
            default -> provider;
        };
    }

    /** {@code gpt-4o-mini/cached_input}, {@code /batch} or {@code /long_context} after a price other than standard. */
    private static String skuPriceId(Key k) {
        StringBuilder id = new StringBuilder(k.model()).append('/').append(k.part().id());
        if (k.tier() != null) {
            id.append('/').append(k.tier());
        }
        if (k.longContext()) {
            id.append("/long_context");
        }
        if (k.basis() != Basis.ITEMIZED) {
            id.append('/').append(k.basis().id());
        }
        return id.toString();
    }

    private static String description(Key k, String provider) {
        String what = k.model() + " " + partName(k.part());
        return switch (k.basis()) {
            case ITEMIZED -> {
                String variant = (k.tier() == null ? "" : ", " + k.tier() + " tier")
                        + (k.longContext() ? ", long context" : "");
                yield k.unitPrice() == null ? what + " (paid for by the call's tokens" + variant + ")"
                        : what + " at " + plain(k.unitPrice()) + " USD per " + pricingUnit(k.part().unit()) + variant;
            }
            case UNPRICED -> what + ", unpriced: no " + provider + " price for the model in tollgate's table";
            case CALL_COST -> k.part() == Part.CALL ? k.model() + " calls at their logged cost (the price table no "
                    + "longer prices their parts)" : what + " of calls billed at their logged cost";
        };
    }

    private static String partName(Part p) {
        return switch (p) {
            case INPUT -> "input tokens";
            case CACHED_INPUT -> "cached input tokens (cache reads)";
            case CACHE_WRITE -> "cache write tokens";
            case CACHE_WRITE_1H -> "1-hour cache write tokens";
            case AUDIO_INPUT -> "audio input tokens";
            case IMAGE_INPUT -> "image input tokens";
            case OUTPUT -> "output tokens (reasoning included)";
            case AUDIO_OUTPUT -> "audio output tokens";
            case CALL -> "calls";
            case WEB_SEARCH -> "web searches";
            case IMAGE -> "images";
            case AUDIO -> "seconds of audio";
            case CHARACTERS -> "characters";
        };
    }

    private static String consumedUnit(Unit u) {
        return switch (u) {
            case TOKENS -> "Tokens";
            case CALLS -> "Requests";
            case SEARCHES -> "Searches";
            case IMAGES -> "Images";
            case SECONDS -> "Seconds";
            case CHARACTERS -> "Characters";
        };
    }

    /** The unit the price is per: {@code 1000000 Tokens}, {@code 1000 Searches}, {@code Minutes}. */
    static String pricingUnit(Unit u) {
        return switch (u) {
            case TOKENS, SEARCHES, CHARACTERS -> u.per() + " " + consumedUnit(u);
            case SECONDS -> "Minutes";
            case CALLS, IMAGES -> consumedUnit(u);
        };
    }

    /** The consumed quantity in pricing units: exact but for seconds in minutes (34 digits). */
    static BigDecimal pricingQuantity(BigDecimal consumed, Unit u) {
        return switch (u) {
            case TOKENS -> consumed.movePointLeft(6);
            case SEARCHES, CHARACTERS -> consumed.movePointLeft(3);
            case SECONDS -> consumed.divide(BigDecimal.valueOf(u.per()), MathContext.DECIMAL128);
            case CALLS, IMAGES -> consumed;
        };
    }

    /** The calls' own tags (user-defined, unprefixed) and {@value #KEY_TAG}, as one JSON object. */
    private static String tags(Key k) {
        Map<String, String> all = new TreeMap<>(k.tags());
        all.put(KEY_TAG, k.key());
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            for (Map.Entry<String, String> t : all.entrySet()) {
                g.writeStringField(t.getKey(), t.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing tags to memory", e);
        }
        return w.toString();
    }

    private static String plain(BigDecimal v) {
        return Amounts.plain(v).toPlainString();
    }

    /** {@code 2026-11-22T00:00:00Z}: the start of a UTC day. */
    private static String instant(LocalDate day) {
        return day + "T00:00:00Z";
    }
}
