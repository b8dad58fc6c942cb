package tollgate.metering.budget;

/** The budget store could not do what was asked: not connected, refused, or too slow. */
public final class BudgetStoreException extends RuntimeException {

    public BudgetStoreException(String message) {
        super(message);
    }

    public BudgetStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
