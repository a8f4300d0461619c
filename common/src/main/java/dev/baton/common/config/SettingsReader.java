package dev.baton.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one way Baton reads its settings, for the coordinator and the worker alike: text by name,
 * a blank value counts as unset, and a value that cannot be used is refused with one line naming
 * the setting as it was given and the value ({@code BATON_CONCURRENCY must be a whole number, was
 * 'x'}; {@code baton.worker.concurrency …} when it came from a Micronaut property). A URL is
 * quoted with its password hidden ({@link Redaction#url}).
 */
public final class SettingsReader {
    private final Map<String, String> values;

    public SettingsReader(Map<String, String> values) {
        this.values = new HashMap<>(values);
    }

    /**
     * BATON_* environment variables, overridden by the matching baton.* system properties
     * ({@code -Dbaton.db.url} sets BATON_DB_URL), then by {@code overrides} (in either spelling).
     */
    public static SettingsReader fromEnvironment(Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("BATON_")) {
                values.put(k, v);
            }
        });
        System.getProperties().forEach((k, v) -> {
            String key = k.toString();
            if (key.startsWith("baton.")) {
                values.put(envName(key), v.toString());
            }
        });
        overrides.forEach((k, v) -> values.put(k.startsWith("baton.") ? envName(k) : k, v));
        return new SettingsReader(values);
    }

    /** baton.db.url → BATON_DB_URL; baton.limits.payload-bytes → BATON_LIMITS_PAYLOAD_BYTES. */
    public static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The value as given, spaces and all (a password), or null when unset. */
    public String raw(String name) {
        return values.get(name);
    }

    /** The trimmed value, or null when unset or blank. */
    public String text(String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String text(String name, String fallback) {
        String v = text(name);
        return v == null ? fallback : v;
    }

    /** The trimmed value; refused when unset or blank, with {@code what} saying what it must be. */
    public String required(String name, String what) {
        String v = text(name);
        if (v == null) {
            throw new IllegalArgumentException(name + " must be set to " + what);
        }
        return v;
    }

    /** {@code true} or {@code false} (any case); unset is false. */
    public boolean flag(String name) {
        String v = text(name);
        if (v == null || v.equalsIgnoreCase("false")) {
            return false;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        throw refused(name, "must be true or false", v);
    }

    /** {@code on} or {@code off} (any case); unset is {@code fallback}. */
    public boolean onOff(String name, boolean fallback) {
        String v = text(name);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("on") || v.equalsIgnoreCase("off")) {
            return v.equalsIgnoreCase("on");
        }
        throw refused(name, "must be on or off", v);
    }

    public long whole(String name, long fallback) {
        String v = text(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw refused(name, "must be a whole number", v);
        }
    }

    /** A whole number that fits an int: a cast would wrap (BATON_HTTP_PORT=4294967376 listened on port 80). */
    public int wholeInt(String name, int fallback) {
        long v = whole(name, fallback);
        if (v != (int) v) {
            throw refused(name, "is out of range", text(name));
        }
        return (int) v;
    }

    /** Comma-separated items, trimmed, blanks dropped; unset is {@code fallback}'s items. */
    public List<String> list(String name, String fallback) {
        String v = text(name, fallback);
        if (v == null) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Comma-separated http:// or https:// URLs with a host, at least one. */
    public List<URI> httpUrls(String name, String fallback) {
        List<String> items = list(name, fallback);
        if (items.isEmpty()) {
            throw new IllegalArgumentException(name + " must list at least one http:// or https:// URL");
        }
        return items.stream().map(item -> {
            URI uri = httpUri(item);
            if (uri == null) {
                throw refused(name, "must list http:// or https:// URLs with a host", Redaction.url(item));
            }
            return uri;
        }).toList();
    }

    /** One http:// or https:// URL with a host; null when unset. */
    public URI httpUrl(String name) {
        String v = text(name);
        if (v == null) {
            return null;
        }
        URI uri = httpUri(v);
        if (uri == null) {
            throw refused(name, "must be an http:// or https:// URL with a host", Redaction.url(v));
        }
        return uri;
    }

    /** {@code text} as an http(s)://host URL, or null when it is none. */
    private static URI httpUri(String text) {
        try {
            URI uri = new URI(text);
            if (uri.getHost() != null
                    && ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // not one, like any other text that is not http(s)://host
        }
        return null;
    }

    /** The trimmed value when it starts with one of {@code prefixes} (any case), null when unset. */
    public String url(String name, String... prefixes) {
        String v = text(name);
        if (v == null || Arrays.stream(prefixes).anyMatch(p -> v.regionMatches(true, 0, p, 0, p.length()))) {
            return v;
        }
        throw refused(name, "must start with " + String.join(" or ", prefixes), Redaction.url(v));
    }

    /** Refuses {@code value} below {@code min}: "BATON_DB_POOL_SIZE must be at least 1, was 0". */
    public static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }

    /** Refuses {@code value} outside min..max: "BATON_HTTP_PORT must be 0..65535, was 70000". */
    public static void between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", was " + value);
        }
    }

    /** "NAME must …, was 'value'": the one shape of a refused value. */
    public static IllegalArgumentException refused(String name, String rule, String value) {
        return new IllegalArgumentException(name + " " + rule + ", was '" + value + "'");
    }
}
