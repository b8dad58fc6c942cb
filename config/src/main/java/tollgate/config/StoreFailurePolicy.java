package tollgate.config;

/** What a request gets when the shared budget store cannot be reached. */
public enum StoreFailurePolicy { ALLOW, DENY }
