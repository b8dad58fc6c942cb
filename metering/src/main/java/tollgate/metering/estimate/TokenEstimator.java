package tollgate.metering.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;

/**
 * Estimates token counts with the model's real tokenizer (SPEC 5): o200k_base for gpt-4o, gpt-4.1,
 * gpt-5 and the o-series, cl100k_base for gpt-4, gpt-3.5 and the embedding models; prompts with
 * OpenAI's chat message accounting ({@link PromptReader}), streamed text with {@link StreamedTextCounter}.
 *
 * <p>One shared instance: construction loads both vocabularies (a few hundred milliseconds, at
 * start-up), after which it is thread-safe (jtokkit: "The EncodingRegistry and Encoding classes are
 * thread-safe and can be freely shared among components", README). Tokenizing is CPU work in
 * proportion to the text: {@link #promptTokensAsync} runs prompts of more than {@value #INLINE_CHARS}
 * characters on the executor given, so an event loop never tokenizes a 32 MiB body.
 */
public final class TokenEstimator {
    // above ~2 Ki characters tokenizing takes long enough (tens of µs and up) to matter on an event loop (bench/RESULTS.md, item 10)
    static final int INLINE_CHARS = 2 * 1024;

    private final Vocabularies vocabularies;
    private final Executor offload;

    /** The loaded encodings, shared by every view of one estimator (they are large and thread-safe). */
    private static final class Vocabularies {
        final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
        final Encoding o200k = registry.getEncoding(EncodingType.O200K_BASE);
        // cl100k_base is only for gpt-4 / gpt-3.5 / ada-era models (~17 MB of heap): loaded on first use, never on
        // an event loop (promptTokensAsync sends a call that would load it to the offload executor)
        volatile @Nullable Encoding cl100k;

        boolean loaded(EncodingType type) {
            return type != EncodingType.CL100K_BASE || cl100k != null;
        }

        Encoding cl100k() {
            Encoding enc = cl100k;
            if (enc == null) {
                enc = registry.getEncoding(EncodingType.CL100K_BASE);
                cl100k = enc;
            }
            return enc;
        }
    }

    /** @param offload runs the tokenization of large prompts */
    public TokenEstimator(Executor offload) {
        this(new Vocabularies(), offload);
    }

    private TokenEstimator(Vocabularies vocabularies, Executor offload) {
        this.vocabularies = vocabularies;
        this.offload = Objects.requireNonNull(offload, "offload");
    }

    /**
     * One estimator for the whole process: the vocabularies take seconds to load and hold tens of MB, and every
     * method is thread-safe; prompts too long to count inline go to the common pool unless a server gives
     * its own executor with {@link #withOffload}.
     */
    public static TokenEstimator shared() {
        return Shared.INSTANCE;
    }

    private static final class Shared {
        static final TokenEstimator INSTANCE = new TokenEstimator();
    }

    public TokenEstimator() {
        this(ForkJoinPool.commonPool());
    }

    /** The same vocabularies, with large prompts tokenized on {@code executor} (bounded, from config). */
    public TokenEstimator withOffload(Executor executor) {
        return new TokenEstimator(vocabularies, executor);
    }

    /** True when counting for {@code model} may load a vocabulary (seconds of CPU): not for an event loop. */
    boolean wouldLoad(@Nullable String model) {
        return !vocabularies.loaded(encodingFor(model));
    }

    /**
     * The encoding of a model, as tiktoken's {@code encoding_for_model} maps OpenAI's names: cl100k_base
     * for gpt-4 (not gpt-4o / gpt-4.1 / gpt-4.5), gpt-3.5, text-embedding-3 and -ada-002, davinci-002 and
     * babbage-002; o200k_base for everything else, including unknown models and fine-tunes of o200k models.
     */
    public EncodingType encodingFor(@Nullable String model) {
        if (model == null) {
            return EncodingType.O200K_BASE;
        }
        String m = model.toLowerCase(Locale.ROOT);
        if (m.startsWith("ft:")) {
            m = m.substring(3);
        }
        boolean cl100k = (m.startsWith("gpt-4") && !m.startsWith("gpt-4o") && !m.startsWith("gpt-4.1") && !m.startsWith("gpt-4.5"))
                || m.startsWith("gpt-3.5") || m.startsWith("gpt-35")
                || m.startsWith("text-embedding-3") || m.startsWith("text-embedding-ada-002")
                || m.startsWith("davinci-002") || m.startsWith("babbage-002");
        return cl100k ? EncodingType.CL100K_BASE : EncodingType.O200K_BASE;
    }

    /** Tokens of a text; special-token strings such as {@code <|endoftext|>} count as ordinary text. */
    public long countText(@Nullable String model, String text) {
        return encoding(encodingFor(model)).countTokensOrdinary(text);
    }

    /**
     * Prompt tokens of a request body on the caller's thread.
     *
     * @param model the model whose tokenizer to use; null: the body's {@code model}
     */
    public long promptTokens(@Nullable String model, Endpoint endpoint, @Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            return 0;
        }
        EncodingType type = encodingFor(model != null ? model : textOrNull(body.get("model")));
        return count(PromptReader.read(endpoint, body, type), encoding(type));
    }

    /**
     * Prompt tokens of a request body, completed at once when its text is short and otherwise
     * computed on the offload executor; safe to call from an event loop. The body is read before
     * this returns (a walk without tokenizing) and may be released afterwards.
     */
    public CompletableFuture<Long> promptTokensAsync(@Nullable String model, Endpoint endpoint, @Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            return CompletableFuture.completedFuture(0L);
        }
        EncodingType type = encodingFor(model != null ? model : textOrNull(body.get("model")));
        PromptParts parts = PromptReader.read(endpoint, body, type);
        Encoding enc = encoding(type);
        if (parts.chars() <= INLINE_CHARS) {
            return CompletableFuture.completedFuture(count(parts, enc));
        }
        return CompletableFuture.supplyAsync(() -> count(parts, enc), offload);
    }

    /**
     * Prompt tokens of a scanned request: a body of at most {@value #INLINE_CHARS} bytes is parsed and counted at
     * once, a larger one is parsed into its tree and counted on the offload executor, so an event loop never walks
     * the tree of a large body (bench/RESULTS.md, item 10). The request's bytes must stay intact until the future
     * completes.
     *
     * @param model the model whose tokenizer to use; null: the request's {@code model}
     */
    public CompletableFuture<Long> promptTokensAsync(@Nullable String model, RequestInfo request) {
        String m = model != null ? model : request.model();
        if (request.length() <= INLINE_CHARS && !wouldLoad(m)) {
            return CompletableFuture.completedFuture(promptTokens(m, request.endpoint(), request.body()));
        }
        return CompletableFuture.supplyAsync(() -> promptTokens(m, request.endpoint(), request.body()), offload);
    }

    /**
     * An upper bound of {@link #promptTokensAsync(String, RequestInfo)}'s count, found by one pass over the bytes
     * without parsing or tokenizing ({@link RequestInfo#promptTokenBound}); -1 when no cheap bound holds. A budget
     * can reserve with it and count exactly only when the bound would be refused.
     */
    public long promptTokenBound(RequestInfo request) {
        return request.promptTokenBound(PromptReader.IMAGE_TOKENS);
    }

    /** A counter for the text of one stream (content and tool-call arguments as they arrive). */
    public StreamedTextCounter streamCounter(@Nullable String model) {
        return new StreamedTextCounter(encoding(encodingFor(model)));
    }

    private Encoding encoding(EncodingType type) {
        return type == EncodingType.CL100K_BASE ? vocabularies.cl100k() : vocabularies.o200k;
    }

    private static long count(PromptParts parts, Encoding enc) {
        long n = parts.knownTokens();
        for (String text : parts.texts()) {
            n += enc.countTokensOrdinary(text);
        }
        return n;
    }

    private static @Nullable String textOrNull(@Nullable JsonNode v) {
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
