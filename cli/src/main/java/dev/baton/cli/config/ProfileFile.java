package dev.baton.cli.config;

import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ~/.config/baton/config}: INI-like sections, one per profile, of {@code key = value} lines;
 * {@code #} and {@code ;} start a comment line. A mistake is named by file, line and what is wrong.
 * <pre>
 * [default]
 * url = http://127.0.0.1:8080
 * token = baton_…
 *
 * [prod]
 * url = https://baton.internal:8443
 * token-file = /etc/baton/admin-token
 * </pre>
 */
public final class ProfileFile {
    /** The settings a profile takes. */
    static final List<String> KEYS = List.of("url", "token", "token-file");

    private final String where;
    private final Map<String, Map<String, String>> sections;

    private ProfileFile(String where, Map<String, Map<String, String>> sections) {
        this.where = where;
        this.sections = sections;
    }

    public static ProfileFile empty(String where) {
        return new ProfileFile(where, Map.of());
    }

    /** The file at {@code path}, or an empty one when there is none. */
    public static ProfileFile read(Path path) {
        if (path == null || !Files.exists(path)) {
            return empty(String.valueOf(path));
        }
        try {
            return parse(Files.readAllLines(path), path.toString());
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read the profile file " + path + ": " + Failures.reason(e));
        }
    }

    static ProfileFile parse(List<String> lines, String where) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw wrong(where, n, "a profile starts with [name], closed by ]: " + line);
                }
                String name = line.substring(1, line.length() - 1).strip();
                if (name.isEmpty()) {
                    throw wrong(where, n, "[] names no profile");
                }
                current = sections.computeIfAbsent(name, k -> new HashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 1) {
                throw wrong(where, n, "expected key = value (or [profile]), not: " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (current == null) {
                throw wrong(where, n, key + " = … comes before any profile: put [default] (or [name]) above it");
            }
            if (!KEYS.contains(key)) {
                throw wrong(where, n, "unknown setting " + key + " (a profile takes " + String.join(", ", KEYS) + ")");
            }
            if (value.isEmpty()) {
                throw wrong(where, n, key + " has no value");
            }
            current.put(key, value);
        }
        return new ProfileFile(where, sections);
    }

    private static CliException wrong(String where, int line, String what) {
        return new CliException(ExitCodes.USAGE, where + " line " + line + ": " + what);
    }

    /** The file's path, for messages. */
    public String where() {
        return where;
    }

    public boolean has(String profile) {
        return sections.containsKey(profile);
    }

    /** The profiles the file has, in its order. */
    public Set<String> names() {
        return sections.keySet();
    }

    /** The profile's settings; empty for a profile the file does not have. */
    public Map<String, String> profile(String name) {
        return sections.getOrDefault(name, Map.of());
    }
}
