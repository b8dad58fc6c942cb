package tollgate.proxy.relay;

import java.util.concurrent.CompletionStage;

/**
 * Decides, before forwarding, whether a call may go and how it is metered (keys, budgets, usage injection).
 * Called on the client's event loop; anything slow (tokenizing, Redis) completes the stage elsewhere.
 */
public interface CallGate {
    CallGate PASS_THROUGH = call -> java.util.concurrent.CompletableFuture.completedFuture(Admission.PASS_THROUGH);

    CompletionStage<Admission> admit(CallRequest call);
}
