package dev.baton.coordinator.dashboard;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The synchronizer token: every form that changes something carries the session's token in the
 * field {@value #FIELD} (an htmx request may send it as the header {@value #HEADER}); the guard
 * compares it in constant time. Another site can make a browser send the form, never read the token.
 */
final class CsrfToken {
    static final String FIELD = "_csrf";
    static final String HEADER = "X-CSRF-Token";

    private CsrfToken() {
    }

    static boolean matches(String expected, String sent) {
        return sent != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                sent.getBytes(StandardCharsets.UTF_8));
    }

    /** The value of {@link #FIELD} in an application/x-www-form-urlencoded body, or null. */
    static String fromForm(String body) {
        if (body == null) {
            return null;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(FIELD)) {
                try {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    return null;
                }
            }
        }
        return null;
    }
}
