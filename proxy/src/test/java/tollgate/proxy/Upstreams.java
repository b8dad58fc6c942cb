package tollgate.proxy;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** MockWebServer upstreams shared by the tests. */
public final class Upstreams {
    private Upstreams() {}

    /** A started upstream answering every request with the same JSON body; {@code served} counts them. */
    public static MockWebServer answering(String jsonBody, AtomicInteger served) throws IOException {
        return answering(jsonBody, "application/json", served);
    }

    /** Answers every request 200 with {@code body} of {@code contentType}, counting them in {@code served}. */
    public static MockWebServer answering(String body, String contentType, AtomicInteger served) throws IOException {
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                served.incrementAndGet();
                return new MockResponse.Builder().addHeader("Content-Type", contentType).body(body).build();
            }
        });
        server.start();
        return server;
    }

    public static MockWebServer answering(String jsonBody) throws IOException {
        return answering(jsonBody, new AtomicInteger());
    }
}
