package tollgate.metering.log;

/** Where the usage-log writer reports its outcomes ({@code tollgate_usage_log_records_total} / {@code _failures_total}). */
public interface UsageLogCounters {
    /** Counts nothing, for tools and tests. */
    UsageLogCounters NONE = new UsageLogCounters() {
        @Override
        public void recordWritten() {
        }

        @Override
        public void failure() {
        }
    };

    /** One record reached the file. Called on the writer thread. */
    void recordWritten();

    /** One record lost (queue full, writer closed, write error) or one failed fsync. Called on any thread. */
    void failure();
}
