package dev.baton.cli.config;

import dev.baton.cli.CliException;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Failures;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
    private static final String API = "/api/v1";

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
            throw new CliException(ExitCodes.USAGE, "no profile [" + profileName + "] (named by "
                    + (profileFlag != null ? "--profile" : "BATON_PROFILE") + ") in " + file.where() + ": "
                    + (file.names().isEmpty() ? "the file has no profiles (or does not exist)"
                            : "its profiles: " + String.join(", ", file.names())));
        }
        String name = profileName == null ? "default" : profileName;
        Map<String, String> profile = file.profile(name);
        String inProfile = "profile [" + name + "] of " + file.where();
        String url;
        String urlSource;
        if (urlFlag != null) {
            url = urlFlag;
            urlSource = "--url";
        } else if (first(env.get("BATON_URL")) != null) {
            url = env.get("BATON_URL");
            urlSource = "BATON_URL";
        } else if (profile.get("url") != null) {
            url = profile.get("url");
            urlSource = inProfile;
        } else {
            url = DEFAULT_URL;
            urlSource = "the default";
        }
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
            token = readTokenFile(home(profile.get("token-file"), env), inProfile);
            source = "profile token-file";
        } else {
            token = null;
            source = "none";
        }
        URI uri = coordinator(url, urlSource);
        String stripped = token == null ? null : token.strip();
        if (stripped != null && !stripped.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e)) {
            // The HTTP client would refuse the header and quote it, token and all.
            throw new CliException(ExitCodes.USAGE, "the token (from " + source + ") holds a space, a line break or "
                    + "another character a bearer token cannot; a token file must hold the token alone");
        }
        return new Target(uri, stripped, source);
    }

    /**
     * The coordinator's base URL: http or https, a host, no query or fragment; a trailing {@code /}
     * and {@code /api/v1} (the API's own prefix, which every request adds) are left off, so both
     * {@code http://h:8080} and {@code http://h:8080/api/v1/} work (hostile review, defect 10).
     */
    static URI coordinator(String url, String source) {
        String shown = withoutUserInfo(url) + " (from " + source + ")";
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new CliException(ExitCodes.USAGE, "not a URL: " + shown);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new CliException(ExitCodes.USAGE, "the coordinator URL must start with http:// or https://: " + shown);
        }
        if (uri.getHost() == null) {
            throw new CliException(ExitCodes.USAGE, "the coordinator URL names no host: " + shown);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new CliException(ExitCodes.USAGE, "the coordinator URL cannot have a "
                    + (uri.getRawQuery() != null ? "query (?…)" : "fragment (#…)") + ": " + shown);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        path = path.replaceAll("/+$", "");
        if (path.endsWith(API)) {
            path = path.substring(0, path.length() - API.length()).replaceAll("/+$", "");
        }
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path);
    }

    /** {@code url} without the user and password a {@code user:pass@} part holds: those are never printed. */
    public static String withoutUserInfo(String url) {
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@", "$1");
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

    private static String readTokenFile(String file, String named) {
        try {
            return Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read the token-file " + file + " (named by " + named + "): "
                    + Failures.reason(e));
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
