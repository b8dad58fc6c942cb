package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class AmountsTest {

    private static String usd(String v) {
        return Amounts.usd(new BigDecimal(v));
    }

    @Test
    void aDollarOrMoreShowsCents() {
        assertThat(usd("2436.13301")).isEqualTo("$2,436.13");
        assertThat(usd("1239.1707468")).isEqualTo("$1,239.17");
        assertThat(usd("100.005")).isEqualTo("$100.01");
        assertThat(usd("1")).isEqualTo("$1.00");
        assertThat(usd("-3.5")).isEqualTo("-$3.50");
    }

    @Test
    void lessThanADollarShowsFourSignificantDigitsAndAtLeastTwoDecimals() {
        assertThat(usd("0.0004392")).isEqualTo("$0.0004392");
        assertThat(usd("0.00043925")).isEqualTo("$0.0004393");
        assertThat(usd("0.1894219")).isEqualTo("$0.1894");
        assertThat(usd("0.63")).isEqualTo("$0.63");
        assertThat(usd("0.5")).isEqualTo("$0.50");
        assertThat(usd("0.0000001")).isEqualTo("$0.0000001");
        assertThat(usd("0")).isEqualTo("$0.00");
        // rounds up into the dollars
        assertThat(usd("0.99996")).isEqualTo("$1.00");
    }
}
