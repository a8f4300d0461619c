package dev.baton.common.config;

import java.util.regex.Pattern;

/** What of a setting may be printed: a URL without its password. */
public final class Redaction {
    /** {@code //user:password@} in redis:// and jdbc:postgresql:// URLs, to the last @ (a password may hold one). */
    private static final Pattern USER_INFO = Pattern.compile("//[^/]*@");
    /** {@code ?password=…} and {@code &sslpassword=…} of a JDBC URL. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;]*");

    private Redaction() {
    }

    /**
     * Where the URL points and nothing else, for a start line: no user, password or parameters.
     * {@code jdbc:postgresql://db:5432/baton?password=secret} is {@code jdbc:postgresql://db:5432/baton},
     * {@code rediss://user:secret@cache:6380/0} is {@code rediss://cache:6380/0}.
     */
    public static String address(String url) {
        if (url == null) {
            return null;
        }
        int end = url.length();
        for (char c : new char[] {'?', '#'}) {
            int at = url.indexOf(c);
            end = at >= 0 ? Math.min(end, at) : end;
        }
        return USER_INFO.matcher(url.substring(0, end)).replaceAll("//");
    }

    /**
     * The URL with its user information and password parameters replaced by {@code ***}:
     * {@code redis://:secret@cache:6379/0} is {@code redis://***@cache:6379/0}, and
     * {@code jdbc:postgresql://db/baton?password=secret} is {@code …?password=***}.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String hidden = USER_INFO.matcher(url).replaceAll("//***@");
        return PASSWORD_PARAMETER.matcher(hidden).replaceAll("$1***");
    }
}
