package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {
    @ParameterizedTest
    @CsvSource({
            "/v1/chat/completions, /v1/chat/completions",
            "//v1/chat/completions, /v1/chat/completions",
            "/v1//chat/completions, /v1/chat/completions",
            "/v1/./chat/completions, /v1/chat/completions",
            "/v1/x/../chat/completions, /v1/chat/completions",
            "/v1/chat/%63ompletions, /v1/chat/completions",
            "/v1/chat/%2e/completions, /v1/chat/completions",
            "/v1/x/%2E%2E/chat/completions, /v1/chat/completions",
            "/V1/Chat/Completions, /v1/chat/completions",
            "/../../v1/embeddings, /v1/embeddings",
            "/v1/chat/completions/, /v1/chat/completions/",
            "/v1/chat/completions?x=%2F&y=..//, /v1/chat/completions?x=%2F&y=..//",
            "http://api.example.com/v1/responses?a=1, /v1/responses?a=1",
            "http://api.example.com, /",
            "http://api.example.com?q=1, /?q=1",
            "/v1/files/file-AbC/content, /v1/files/file-AbC/content",
            "/v1/files/a%20b, /v1/files/a%20b",
            "/v1/files/a%7e, /v1/files/a~",
            "/v1/files/a%c3%a9, /v1/files/a%C3%A9",
            "/, /",
            "/v1/models/, /v1/models/",
    })
    void everySpellingBecomesTheCanonicalOne(String in, String out) {
        assertThat(RequestTarget.canonical(in)).isEqualTo(new RequestTarget.Canonical(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/chat%2Fcompletions", "/v1/chat%2fcompletions", "/v1/chat/completions%00",
            "/v1/chat%5Ccompletions", "/v1\\chat/completions", "/v1/chat/completions%", "/v1/chat/completions%4",
            "/v1/chat/completions%zz", "*", "v1/chat/completions"})
    void ambiguousOrBrokenTargetsAreRefused(String in) {
        assertThat(RequestTarget.canonical(in)).isInstanceOf(RequestTarget.Refused.class);
    }
}
