package dev.baton.cli.config;

import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Which coordinator to talk to and with which token, from (first wins) the command line, the
 * environment ({@code BATON_URL}, {@code BATON_TOKEN}) and the profile file. The token is kept
 * here and sent as a bearer header, and never printed: {@link #toString()} shows only where it came from.
 */
public record Target(URI url, String token, String tokenSource) {
    public static final String DEFAULT_URL = "http://127.0.0.1:8080";

    /**
     * @param urlFlag      {@code --url}, or null
     * @param tokenFlag    {@code --token}, or null
     * @param profileFlag  {@code --profile}, or null ({@code BATON_PROFILE}, then {@code default})
     * @param env          the environment
     */
    public static Target resolve(String urlFlag, String tokenFlag, String profileFlag, Map<String, String> env) {
        String profileName = first(profileFlag, env.get("BATON_PROFILE"));
        ProfileFile file = ProfileFile.read(configPath(env));
        if (profileName != null && !file.has(profileName)) {
            throw new CliException(ExitCodes.USAGE, "no profile [" + profileName + "] in " + configPath(env));
        }
        Map<String, String> profile = file.profile(profileName == null ? "default" : profileName);
        String url = first(urlFlag, env.get("BATON_URL"), profile.get("url"), DEFAULT_URL);
        String token;
        String source;
        if (tokenFlag != null) {
            token = tokenFlag;
            source = "--token";
        } else if (env.get("BATON_TOKEN") != null && !env.get("BATON_TOKEN").isBlank()) {
            token = env.get("BATON_TOKEN");
            source = "BATON_TOKEN";
        } else if (profile.get("token") != null) {
            token = profile.get("token");
            source = "profile";
        } else if (profile.get("token-file") != null) {
            token = readTokenFile(home(profile.get("token-file"), env));
            source = "profile token-file";
        } else {
            token = null;
            source = "none";
        }
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "not a URL: " + url);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new CliException(ExitCodes.USAGE, "the coordinator URL must start with http:// or https://: " + url);
        }
        String stripped = token == null ? null : token.strip();
        if (stripped != null && !stripped.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e)) {
            // The HTTP client would refuse the header and quote it, token and all.
            throw new CliException(ExitCodes.USAGE, "the token (from " + source + ") holds a space, a line break or "
                    + "another character a bearer token cannot; a token file must hold the token alone");
        }
        return new Target(uri, stripped, source);
    }

    /** {@code BATON_CONFIG}, else {@code $XDG_CONFIG_HOME/baton/config}, else {@code ~/.config/baton/config}. */
    public static Path configPath(Map<String, String> env) {
        if (env.get("BATON_CONFIG") != null) {
            return Path.of(env.get("BATON_CONFIG"));
        }
        if (env.get("XDG_CONFIG_HOME") != null) {
            return Path.of(env.get("XDG_CONFIG_HOME"), "baton", "config");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".config", "baton", "config");
    }

    /** A leading {@code ~/} is the home directory, as a shell would read it. */
    static String home(String path, Map<String, String> env) {
        return path.startsWith("~/") ? env.getOrDefault("HOME", System.getProperty("user.home")) + path.substring(1) : path;
    }

    private static String readTokenFile(String file) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read token-file " + file + ": " + e.getMessage());
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "Target[url=" + url + ", token from " + tokenSource + "]";
    }
}
