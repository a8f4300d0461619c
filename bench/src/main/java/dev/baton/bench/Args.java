package dev.baton.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --name value}, {@code --name=value} and bare {@code --flag}; an unknown name is refused at the end. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got '" + a + "'");
            }
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                values.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                values.put(key, argv[++i]);
            } else {
                values.put(key, "true");
            }
        }
    }

    String text(String key, String fallback) {
        used.add(key);
        return values.getOrDefault(key, fallback);
    }

    long integer(String key, long fallback) {
        String v = text(key, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", "").replace(",", ""));
    }

    boolean flag(String key) {
        return Boolean.parseBoolean(text(key, "false"));
    }

    /** Call after reading every option: a misspelt one must not silently fall back to its default. */
    void rejectUnknown() {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s): " + unknown);
        }
    }
}
