package tollgate.metering.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/** Builds the rows of {@code GET /admin/budgets} from every scope member's current window states, read concurrently. */
final class BudgetSnapshot {

    private BudgetSnapshot() {
    }

    /**
     * @param budgets scope members in the order the rows should have
     * @param states reads one member's windows from the store
     */
    static CompletableFuture<List<BudgetRow>> rows(Map<BudgetScope, KeyBudget> budgets,
            BiFunction<BudgetScope, KeyBudget, CompletableFuture<List<WindowState>>> states) {
        List<BudgetScope> keys = new ArrayList<>(budgets.size());
        List<CompletableFuture<List<WindowState>>> reads = new ArrayList<>(budgets.size());
        budgets.forEach((key, budget) -> {
            if (!budget.isEmpty()) {
                keys.add(key);
                reads.add(states.apply(key, budget));
            }
        });
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<BudgetRow> rows = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                for (WindowState s : reads.get(i).join()) {
                    rows.add(s.toRow(keys.get(i)));
                }
            }
            return rows;
        });
    }
}
