package dev.baton.common;

/**
 * What PostgreSQL can store unchanged as text or jsonb: no NUL character (it stores none), and no
 * lone UTF-16 surrogate (it has no UTF-8 form; the driver would store '?'). The one check, used by
 * the coordinator's body reader and services and by the worker before it buffers a log line.
 */
public final class StorableText {
    private StorableText() {
    }

    /** Why {@code s} cannot be stored unchanged ("must not contain …"), or null when it can. */
    public static String problem(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return "must not contain the NUL character (\\u0000)";
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "must not contain an unpaired UTF-16 surrogate";
            }
        }
        return null;
    }
}
