package dev.baton.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {
    private static String refusal(Runnable read) {
        return assertThrows(IllegalArgumentException.class, read::run).getMessage();
    }

    @Test
    void blankIsUnsetAndTextIsTrimmedButRawIsNot() {
        SettingsReader r = new SettingsReader(Map.of("A", "  ", "B", " b ", "P", " p w "));
        assertNull(r.text("A"));
        assertEquals("x", r.text("A", "x"));
        assertEquals("b", r.text("B"));
        assertEquals(" p w ", r.raw("P"));
        assertEquals("A must be set to a value", refusal(() -> r.required("A", "a value")));
    }

    @Test
    void numbersFlagsAndListsAreRefusedNamingTheSettingAndTheValue() {
        SettingsReader r = new SettingsReader(Map.of("N", "12", "X", "1 2", "BIG", "2147483648", "F", "TRUE",
                "G", "yes", "L", " a, ,b ,"));
        assertEquals(12, r.wholeInt("N", 0));
        assertEquals(7, r.whole("UNSET", 7));
        assertEquals("X must be a whole number, was '1 2'", refusal(() -> r.whole("X", 0)));
        assertEquals(2147483648L, r.whole("BIG", 0));
        assertEquals("BIG is out of range, was '2147483648'", refusal(() -> r.wholeInt("BIG", 0)));
        assertTrue(r.flag("F"));
        assertFalse(r.flag("UNSET"));
        assertEquals("G must be true or false, was 'yes'", refusal(() -> r.flag("G")));
        assertEquals(List.of("a", "b"), r.list("L", null));
        assertEquals(List.of(), r.list("UNSET", null));
        assertEquals(List.of("d"), r.list("UNSET", "d"));
    }

    @Test
    void urlsAreCheckedAndQuotedWithoutTheirPassword() {
        SettingsReader r = new SettingsReader(Map.of("U", "http://a:1, https://b/x", "BAD", "http://u:pw@/x",
                "R", "redis://:pw@c:1/0", "J", "postgres://u:pw@db/x"));
        assertEquals(List.of(URI.create("http://a:1"), URI.create("https://b/x")), r.httpUrls("U", null));
        assertEquals("BAD must list http:// or https:// URLs with a host, was 'http://***@/x'",
                refusal(() -> r.httpUrls("BAD", null)));
        assertEquals(URI.create("https://b/x"), new SettingsReader(Map.of("O", " https://b/x ")).httpUrl("O"));
        assertNull(r.httpUrl("UNSET"));
        assertEquals("U must be an http:// or https:// URL with a host, was 'http://a:1, https://b/x'",
                refusal(() -> r.httpUrl("U")));
        assertEquals("J must be an http:// or https:// URL with a host, was 'postgres://***@db/x'",
                refusal(() -> r.httpUrl("J")));
        assertEquals("redis://:pw@c:1/0", r.url("R", "redis://", "rediss://"));
        assertNull(r.url("UNSET", "redis://"));
        assertEquals("J must start with jdbc:postgresql:, was 'postgres://***@db/x'",
                refusal(() -> r.url("J", "jdbc:postgresql:")));
    }

    @Test
    void rangesAreRefusedWithTheValue() {
        SettingsReader.atLeast("N", 1, 1);
        SettingsReader.between("N", 10, 1, 10);
        assertEquals("N must be at least 1, was 0", refusal(() -> SettingsReader.atLeast("N", 0, 1)));
        assertEquals("N must be 1..10, was 11", refusal(() -> SettingsReader.between("N", 11, 1, 10)));
    }

    @Test
    void environmentVariablesAreOverriddenByPropertiesThenOverrides() {
        assertEquals("BATON_LIMITS_PAYLOAD_BYTES", SettingsReader.envName("baton.limits.payload-bytes"));
        SettingsReader r = SettingsReader.fromEnvironment(Map.of("BATON_A", "env", "BATON_B", "env", "PATH", "/bin"),
                Map.of("baton.b", "override"));
        assertEquals("env", r.text("BATON_A"));
        assertEquals("override", r.text("BATON_B"));
        assertNull(r.text("PATH"));
    }
}
