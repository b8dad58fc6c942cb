package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/** Exact-decimal arithmetic and the text forms of money, counts and shares used in reports. */
public final class Amounts {
    /** Averages and rates are the only divisions; ten decimals keep them far below a cent. */
    static final int DIVISION_SCALE = 10;

    private Amounts() {
    }

    /** The value without trailing zeros, so sums of differently scaled costs render alike ({@code 0}, not {@code 0E-7}). */
    static BigDecimal plain(BigDecimal v) {
        return v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
    }

    static BigDecimal divide(BigDecimal dividend, long divisor, int scale) {
        if (divisor == 0) {
            return BigDecimal.ZERO;
        }
        return plain(dividend.divide(BigDecimal.valueOf(divisor), scale, RoundingMode.HALF_EVEN));
    }

    /** {@code part / whole} in 0..1 to 4 decimals; 0 when the whole is 0. */
    static BigDecimal share(BigDecimal part, BigDecimal whole) {
        if (whole.signum() == 0) {
            return BigDecimal.ZERO;
        }
        return plain(part.divide(whole, 4, RoundingMode.HALF_EVEN));
    }

    static BigDecimal share(long part, long whole) {
        return share(BigDecimal.valueOf(part), BigDecimal.valueOf(whole));
    }

    /**
     * Money for people (tables, {@code watch}): cents from $1 up ({@code $2,436.13}), four significant digits below
     * ({@code $0.0004392}, at least two decimals: {@code $0.50}), rounded half up. JSON, YAML and CSV keep the exact
     * value; the dashboard's {@code format.js} writes the same rule.
     */
    public static String usd(BigDecimal v) {
        BigDecimal a = v.abs();
        BigDecimal shown;
        if (a.compareTo(BigDecimal.ONE) >= 0) {
            shown = a.setScale(2, RoundingMode.HALF_UP);
        } else {
            shown = a.round(new MathContext(4, RoundingMode.HALF_UP)).stripTrailingZeros();
            if (shown.scale() < 2) {
                shown = shown.setScale(2, RoundingMode.UNNECESSARY);
            }
        }
        DecimalFormat f = new DecimalFormat("#,##0.00", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setMaximumFractionDigits(shown.scale());
        return (v.signum() < 0 && shown.signum() != 0 ? "-$" : "$") + f.format(shown);
    }

    /** {@code 1,234,567}. */
    static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** {@code 1 call}, {@code 1,234 calls}. */
    static String calls(long n) {
        return count(n) + (n == 1 ? " call" : " calls");
    }

    /** {@code 1,234.5}: a count that may have decimals (averages). */
    static String count(BigDecimal v) {
        DecimalFormat f = new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setRoundingMode(RoundingMode.HALF_EVEN);
        return f.format(v);
    }

    /** A 0..1 share as {@code 12.3%}. */
    static String percent(BigDecimal share) {
        return share.movePointRight(2).setScale(1, RoundingMode.HALF_EVEN).toPlainString() + "%";
    }
}
