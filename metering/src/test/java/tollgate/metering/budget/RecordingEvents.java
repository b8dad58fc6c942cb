package tollgate.metering.budget;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tollgate.config.BudgetWindow;

/** Keeps every event the ledger reports. */
final class RecordingEvents implements BudgetEvents {

    final List<String> rejections = new CopyOnWriteArrayList<>();
    final List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
    final List<Throwable> storeFailures = new CopyOnWriteArrayList<>();

    @Override
    public void onRejection(String keyId, BudgetScope scope, BudgetWindow window) {
        rejections.add((scope.kind() == BudgetScope.Kind.KEY ? "" : scope.kind().id() + ":") + scope.name() + "/"
                + window.id());
    }

    @Override
    public void onAlert(BudgetAlert alert) {
        alerts.add(alert);
    }

    @Override
    public void onStoreFailure(Throwable cause) {
        storeFailures.add(cause);
    }
}
