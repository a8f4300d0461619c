package dev.baton.coordinator.service;

import dev.baton.coordinator.error.BatonException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Job ids and page cursors: opaque on the wire, validated before they come near SQL. */
public final class Ids {
    private Ids() {
    }

    /** A job id from a path; anything that is not one of ours is simply not found. */
    public static long job(String id) {
        try {
            long value = Long.parseLong(id);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw BatonException.noJob(id);
    }

    public static String cursor(String kind, long id) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor made by {@link #cursor}; a forged or foreign one is a 400. */
    public static long parseCursor(String kind, String cursor, String field) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(kind + ":")) {
                long id = Long.parseLong(text.substring(kind.length() + 1));
                if (id > 0) {
                    return id;
                }
            }
        } catch (IllegalArgumentException ignored) {
            // fall through
        }
        throw BatonException.invalid(field, "not a cursor this endpoint returned");
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
