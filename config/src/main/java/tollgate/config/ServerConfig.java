package tollgate.config;

/**
 * Threads, transport and the queues between them (config key {@code server}).
 *
 * @param ioThreads event loops serving clients and their upstream calls; 0 means one per core
 * @param transport {@code auto} (native epoll where available, else NIO), {@code epoll} or {@code nio}
 * @param adminThreads threads answering admin and report queries (never an event loop)
 * @param accountingQueue finished calls waiting for the accounting thread; past it a record is dropped and counted
 * @param offloadThreads threads that tokenize large prompts off the event loops (budget estimates)
 * @param offloadQueue prompts waiting for those threads; past it the call is estimated on the caller's thread
 * @param budgetAccounts scope members (keys, users, tag values, models) whose budget counters the in-process store
 *                       keeps; past it the least used are dropped, and rebuilt from the usage log when they return
 */
public record ServerConfig(int ioThreads, Transport transport, int adminThreads, int accountingQueue,
                           int offloadThreads, int offloadQueue, int budgetAccounts) {
    public enum Transport { AUTO, EPOLL, NIO }

    public static final ServerConfig DEFAULT = new ServerConfig(0, Transport.AUTO, 2, 65_536, 1, 1_024,
            100_000);

    public ServerConfig {
        if (ioThreads < 0 || ioThreads > 1024) {
            throw new IllegalArgumentException("server.io_threads: " + ioThreads + " (expected: 0..1024, 0 = one per core)");
        }
        if (adminThreads < 1 || adminThreads > 64) {
            throw new IllegalArgumentException("server.admin_threads: " + adminThreads + " (expected: 1..64)");
        }
        if (accountingQueue < 16) {
            throw new IllegalArgumentException("server.accounting_queue: " + accountingQueue + " (expected: >= 16)");
        }
        if (offloadThreads < 1 || offloadThreads > 64) {
            throw new IllegalArgumentException("server.offload_threads: " + offloadThreads + " (expected: 1..64)");
        }
        if (offloadQueue < 1) {
            throw new IllegalArgumentException("server.offload_queue: " + offloadQueue + " (expected: >= 1)");
        }
        if (budgetAccounts < 1) {
            throw new IllegalArgumentException("server.budget_accounts: " + budgetAccounts + " (expected: >= 1)");
        }
    }

    /** The event loop count in effect: {@code io_threads}, or one per available core. */
    public int ioThreadsInEffect() {
        return ioThreads > 0 ? ioThreads : Runtime.getRuntime().availableProcessors();
    }
}
