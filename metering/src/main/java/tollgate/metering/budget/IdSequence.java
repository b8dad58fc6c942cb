package tollgate.metering.budget;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ids unique across replicas and restarts: a random 64-bit prefix per sequence, then a counter. They say nothing
 * about the key or the call they name.
 */
final class IdSequence {

    private final String prefix;
    private final AtomicLong sequence = new AtomicLong();

    private IdSequence(String prefix) {
        this.prefix = prefix;
    }

    static IdSequence random() {
        return new IdSequence(Long.toHexString(new SecureRandom().nextLong() | Long.MIN_VALUE) + "-");
    }

    String next() {
        return prefix + Long.toHexString(sequence.incrementAndGet());
    }
}
