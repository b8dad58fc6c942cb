package tollgate.bench.jmh;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Usage;

/** Pricing per call: resolving a dated model name in the built-in table, then the exact cost. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CostCalculatorBenchmark {
    private PricingTable table;
    private PricedModel priced;
    private Usage usage;

    @Setup
    public void setUp() {
        table = PricingTable.builtIn();
        priced = table.resolve(ChatStreamFixture.MODEL, "gpt-4o-mini");
        if (priced == null) {
            throw new IllegalStateException("no built-in price for " + ChatStreamFixture.MODEL);
        }
        usage = new Usage(1117, 512, 46, 0);
    }

    @Benchmark
    public BigDecimal cost() {
        return CostCalculator.cost(priced.price(), usage);
    }

    @Benchmark
    public PricedModel resolveDatedName() {
        return table.resolve(ChatStreamFixture.MODEL, "gpt-4o-mini");
    }

    @Benchmark
    public BigDecimal resolveAndCost() {
        PricedModel p = table.resolve(ChatStreamFixture.MODEL, "gpt-4o-mini");
        return p == null ? BigDecimal.ZERO : CostCalculator.cost(p.price(), usage);
    }
}
