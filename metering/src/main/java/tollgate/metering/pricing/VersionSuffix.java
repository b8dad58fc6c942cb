package tollgate.metering.pricing;

/**
 * Recognises the snapshot suffix that lets a dated model name fall back to its family's price:
 * {@code gpt-4o-2024-08-06} is priced as {@code gpt-4o}.
 *
 * <p>Accepted after a {@code -} (or {@code @}, as Vertex AI names Claude snapshots): {@code YYYY-MM-DD}
 * (OpenAI since 2024), {@code YYYYMMDD} (Anthropic) and {@code MMDD} (OpenAI's older
 * {@code gpt-4-0613}, {@code gpt-3.5-turbo-0125}). Nothing else: {@code -mini}, {@code -nano},
 * {@code -pro}, {@code -preview}, {@code -audio-…} name other models with other prices, and
 * {@code -latest} is a moving alias that OpenAI prices on its own ({@code chatgpt-4o-latest} costs
 * twice {@code gpt-4o}), so those must be priced by name or by an alias in the pricing file.
 */
final class VersionSuffix {
    private VersionSuffix() {
    }

    static boolean isSeparator(char c) {
        return c == '-' || c == '@';
    }

    static boolean matches(String s) {
        int n = s.length();
        if (n == 10) {
            return s.charAt(4) == '-' && s.charAt(7) == '-'
                    && digits(s, 0, 4) && date(s, 5, 8);
        }
        if (n == 8) {
            return digits(s, 0, 4) && date(s, 4, 6);
        }
        return n == 4 && date(s, 0, 2);
    }

    private static boolean date(String s, int monthAt, int dayAt) {
        if (!digits(s, monthAt, monthAt + 2) || !digits(s, dayAt, dayAt + 2)) {
            return false;
        }
        int month = Integer.parseInt(s, monthAt, monthAt + 2, 10);
        int day = Integer.parseInt(s, dayAt, dayAt + 2, 10);
        return month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
