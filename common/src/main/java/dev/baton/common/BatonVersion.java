package dev.baton.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Baton was built as ({@code version.properties}, filled in by Maven), for start lines. */
public final class BatonVersion {
    private static final String VERSION = read();

    private BatonVersion() {
    }

    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = BatonVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
