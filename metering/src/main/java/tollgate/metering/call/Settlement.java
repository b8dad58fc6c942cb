package tollgate.metering.call;

import java.math.BigDecimal;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.Reservation;

/** What a finished call does to its budgets (SPEC 7). */
public sealed interface Settlement {
    /** No budget applies. */
    Settlement NONE = new None();

    record None() implements Settlement {}

    /** The call cost nothing: the reservation is given back whole. */
    record Release(Reservation reservation) implements Settlement {}

    /** The reservation is replaced by what the call really cost. */
    record Settle(Reservation reservation, BigDecimal usd, long tokens) implements Settlement {}

    /** {@code after} mode: the cost is added to the windows of every scope of the call. */
    record Record(CallBudgets budgets, BigDecimal usd, long tokens) implements Settlement {}
}
