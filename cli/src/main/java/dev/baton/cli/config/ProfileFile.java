package dev.baton.cli.config;

import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ~/.config/baton/config}: INI-like sections, one per profile, of {@code key = value} lines;
 * {@code #} and {@code ;} start a comment line.
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
    private final Map<String, Map<String, String>> sections;

    private ProfileFile(Map<String, Map<String, String>> sections) {
        this.sections = sections;
    }

    public static ProfileFile empty() {
        return new ProfileFile(Map.of());
    }

    /** The file at {@code path}, or an empty one when there is none. */
    public static ProfileFile read(Path path) {
        if (path == null || !Files.isRegularFile(path)) {
            return empty();
        }
        try {
            return parse(Files.readAllLines(path), path.toString());
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + path + ": " + e.getMessage());
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
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1).strip(), k -> new HashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 1 || current == null) {
                throw new CliException(ExitCodes.USAGE, where + " line " + n
                        + ": expected [profile] or key = value inside a profile");
            }
            current.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return new ProfileFile(sections);
    }

    public boolean has(String profile) {
        return sections.containsKey(profile);
    }

    /** The profile's settings; empty for a profile the file does not have. */
    public Map<String, String> profile(String name) {
        return sections.getOrDefault(name, Map.of());
    }
}
