package tollgate.metering.usage;

import org.jspecify.annotations.Nullable;

/** The metered API endpoints (SPEC 5 and 12); every other path is forwarded and counted only. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions"),
    COMPLETIONS("/v1/completions"),
    EMBEDDINGS("/v1/embeddings"),
    RESPONSES("/v1/responses"),
    IMAGES_GENERATIONS("/v1/images/generations"),
    IMAGES_EDITS("/v1/images/edits"),
    AUDIO_SPEECH("/v1/audio/speech"),
    AUDIO_TRANSCRIPTIONS("/v1/audio/transcriptions"),
    AUDIO_TRANSLATIONS("/v1/audio/translations"),
    MODERATIONS("/v1/moderations"),
    /** Anthropic's Messages API (SPEC 13), metered natively: {@code x-api-key}, its own usage and stream events. */
    MESSAGES("/v1/messages"),
    /** Any other API call ({@link #ofApiPath}): forwarded and recorded unpriced, never guessed (SPEC 12). */
    OTHER("");

    private final String path;

    Endpoint(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** A text endpoint of SPEC 5: its usage may be estimated with the model's tokenizer when the answer has none. */
    public boolean isText() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS || this == EMBEDDINGS || this == RESPONSES
                || this == MESSAGES;
    }

    /** The Images API: priced by image tokens (gpt-image-*) or per image (dall-e-*). */
    public boolean isImages() {
        return this == IMAGES_GENERATIONS || this == IMAGES_EDITS;
    }

    /** The Audio API's speech to text: priced by the uploaded audio's minutes (whisper-1) or by tokens. */
    public boolean isTranscription() {
        return this == AUDIO_TRANSCRIPTIONS || this == AUDIO_TRANSLATIONS;
    }

    /** A body sent as {@code multipart/form-data} (an uploaded file): not read as JSON. */
    public boolean isUpload() {
        return this == IMAGES_EDITS || this == AUDIO_TRANSCRIPTIONS || this == AUDIO_TRANSLATIONS;
    }

    /**
     * The endpoint of an API call's path: a metered one, else {@link #OTHER} for any other {@code /v1/} path; null
     * for Anthropic's token counting ({@code /v1/messages/count_tokens}), which is free and passed through unmetered.
     */
    public static @Nullable Endpoint ofApiPath(String path) {
        Endpoint e = ofPath(path);
        if (e != null) {
            return e;
        }
        if (path.startsWith(AZURE_DEPLOYMENTS)) {
            return ofAzurePath(path);
        }
        return path.startsWith("/v1/") && !path.startsWith(COUNT_TOKENS) ? OTHER : null;
    }

    /**
     * Azure OpenAI's deployment paths (SPEC 13): {@code /openai/deployments/{deployment}/chat/completions},
     * {@code …/completions}, {@code …/embeddings} and {@code …/responses}, metered as the OpenAI endpoint of the same
     * name; any other path under a deployment is recorded unpriced, like any other API call.
     */
    static Endpoint ofAzurePath(String path) {
        int slash = path.indexOf('/', AZURE_DEPLOYMENTS.length());
        if (slash < 0) {
            return OTHER;
        }
        Endpoint e = ofPath("/v1" + path.substring(slash));
        return e == CHAT_COMPLETIONS || e == COMPLETIONS || e == EMBEDDINGS || e == RESPONSES ? e : OTHER;
    }

    /** The deployment of an Azure OpenAI path ({@code /openai/deployments/{deployment}/…}), else null. */
    public static @Nullable String azureDeployment(String path) {
        if (!path.startsWith(AZURE_DEPLOYMENTS)) {
            return null;
        }
        int slash = path.indexOf('/', AZURE_DEPLOYMENTS.length());
        String d = path.substring(AZURE_DEPLOYMENTS.length(), slash < 0 ? path.length() : slash);
        return d.isEmpty() ? null : FieldCap.cap(d);
    }

    private static final String AZURE_DEPLOYMENTS = "/openai/deployments/";

    /** Anthropic's free token counting endpoint: forwarded, counted in the request metrics only (SPEC 13). */
    private static final String COUNT_TOKENS = "/v1/messages/count_tokens";

    /** The endpoint of a request path (query already removed), or null when it is not metered. */
    public static @Nullable Endpoint ofPath(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (Endpoint e : values()) {
            if (e != OTHER && e.path.equals(p)) {
                return e;
            }
        }
        return null;
    }
}
