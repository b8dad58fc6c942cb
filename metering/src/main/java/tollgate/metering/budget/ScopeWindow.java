package tollgate.metering.budget;

/** One scope's window as the store counted it: what a decision, a refusal and a gauge read. */
public record ScopeWindow(BudgetScope scope, WindowState state) {
}
