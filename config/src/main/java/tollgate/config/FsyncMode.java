package tollgate.config;

/** When the usage log forces its bytes to disk (SPEC 8 {@code log.fsync}). */
public enum FsyncMode {
    /** At most 200 ms of records at risk on power loss. */
    BATCH,
    /** Every record is on disk before the next one is written. */
    ALWAYS,
    /** Left to the OS. */
    NEVER
}
