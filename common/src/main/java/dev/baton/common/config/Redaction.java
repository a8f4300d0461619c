package dev.baton.common.config;

import java.util.regex.Pattern;

/** What of a setting may be printed: a URL without its password. */
public final class Redaction {
    /** {@code //user:password@} in redis:// and jdbc:postgresql:// URLs. */
    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");
    /** {@code ?password=…} and {@code &sslpassword=…} of a JDBC URL. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;]*");

    private Redaction() {
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
