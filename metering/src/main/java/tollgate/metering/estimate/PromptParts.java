package tollgate.metering.estimate;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a request body contributes to its prompt: the texts still to be tokenized and the tokens
 * already known (per-message framing, token arrays), gathered in one cheap walk so that the caller
 * can decide, from the amount of text, whether to tokenize inline or off the event loop.
 */
final class PromptParts {
    private final List<String> texts = new ArrayList<>();
    private long knownTokens;
    private long chars;

    void text(@Nullable String s) {
        if (s != null && !s.isEmpty()) {
            texts.add(s);
            chars += s.length();
        }
    }

    void tokens(long n) {
        knownTokens += n;
    }

    List<String> texts() {
        return texts;
    }

    long knownTokens() {
        return knownTokens;
    }

    long chars() {
        return chars;
    }
}
