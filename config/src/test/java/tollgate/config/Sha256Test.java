package tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class Sha256Test {

    @Test
    void hexIsLowerCaseSha256OfTheUtf8Bytes() {
        // FIPS 180-2 vectors, and `printf '…' | sha256sum` for the rest
        assertThat(Sha256.hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Sha256.hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Sha256.hex("clé-ünïcode-🔑")).isEqualTo("c04d2611b52a7e826a37bb79fd829f240cdfc30f7ef71759647a7af7053ec47a");
    }

    @Test
    void aDigestReusedPerThreadStartsFreshEveryCall() throws InterruptedException {
        assertThat(Sha256.hex("abc")).isEqualTo(Sha256.hex("abc"));

        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    seen.add(Sha256.hex(i % 2 == 0 ? "sk-test-storybot" : "abc"));
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(seen).containsExactlyInAnyOrder("551fc4eb1ff0b41f0492da6cb429b7628fb4fe1b34d04a9ce5996bb9ed7e2b46",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
