package dev.baton.coordinator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BATON_TLS_*: read like every other setting, and the files checked when the settings are made,
 * so a coordinator given TLS files it cannot serve refuses to start with one line saying why.
 */
class TlsSettingsTest {
    @TempDir
    static Path dir;
    private static TestCertificates.Ca ca;
    private static TestCertificates.Issued server;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.ca("settings CA");
        server = ca.server(dir, "server");
    }

    @Test
    void offUnlessTheCertificateAndKeyAreGiven() {
        TlsSettings off = Settings.load(Map.of(), Map.of()).tls();
        assertThat(off.enabled()).isFalse();
        assertThat(off.reloadMs()).isEqualTo(60_000);
        TlsSettings on = load(Map.of("BATON_TLS_CERT", server.cert().toString(),
                "BATON_TLS_KEY", " " + server.key() + " ", "BATON_TLS_RELOAD_MS", "500"));
        assertThat(on).isEqualTo(new TlsSettings(server.cert(), server.key(), null, 500));
        assertThat(on.enabled()).isTrue();
        assertThat(on.mutual()).isFalse();
        assertThat(Settings.load(Map.of(), Map.of("baton.tls.cert", server.cert().toString(),
                "baton.tls.key", server.key().toString())).tls().enabled()).as("as baton.* properties").isTrue();
    }

    @Test
    void oneWithoutTheOtherIsRefused() {
        assertRefused(Map.of("BATON_TLS_KEY", server.key().toString()),
                "BATON_TLS_KEY is set but BATON_TLS_CERT is not: HTTPS needs both (or neither, for HTTP)");
        assertRefused(Map.of("BATON_TLS_CLIENT_CA", server.cert().toString()),
                "BATON_TLS_CLIENT_CA needs BATON_TLS_CERT and BATON_TLS_KEY: mutual TLS is TLS first");
        assertRefused(Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", server.key().toString(),
                "BATON_TLS_RELOAD_MS", "10"), "BATON_TLS_RELOAD_MS must be at least 100, was 10");
        assertRefused(Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", server.key().toString(),
                "BATON_TLS_RELOAD_MS", "1m"), "BATON_TLS_RELOAD_MS must be a whole number, was '1m'");
    }

    @Test
    void filesThatCannotBeServedAreRefusedNamingTheFileAndTheReason() throws Exception {
        Path missing = dir.resolve("missing.crt");
        assertRefused(Map.of("BATON_TLS_CERT", missing.toString(), "BATON_TLS_KEY", server.key().toString()),
                "BATON_TLS_CERT/BATON_TLS_KEY: " + missing + " does not exist");
        assertRefused(Map.of("BATON_TLS_CERT", server.key().toString(), "BATON_TLS_KEY", server.key().toString()),
                "BATON_TLS_CERT/BATON_TLS_KEY: " + server.key() + " holds no -----BEGIN CERTIFICATE----- block");
        assertRefused(Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", server.cert().toString()),
                "BATON_TLS_CERT/BATON_TLS_KEY: " + server.cert() + " holds no -----BEGIN PRIVATE KEY----- block");
        TestCertificates.Issued other = ca.server(dir.resolve("other"), "server");
        assertRefused(Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", other.key().toString()),
                "BATON_TLS_CERT/BATON_TLS_KEY: the private key in " + other.key()
                        + " is not the key of the certificate CN=server in " + server.cert());
        Path encrypted = Files.writeString(dir.resolve("encrypted.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n"
                        + "-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> load(Map.of("BATON_TLS_CERT", server.cert().toString(),
                "BATON_TLS_KEY", encrypted.toString())))
                .hasMessageStartingWith("BATON_TLS_CERT/BATON_TLS_KEY: " + encrypted
                        + " holds an encrypted private key; Baton reads unencrypted keys only");
        assertRefused(Map.of("BATON_TLS_CERT", server.cert().toString(), "BATON_TLS_KEY", server.key().toString(),
                "BATON_TLS_CLIENT_CA", server.key().toString()),
                "BATON_TLS_CLIENT_CA: " + server.key() + " holds no -----BEGIN CERTIFICATE----- block");
    }

    @Test
    void aPkcs1RsaKeyIsReadLikeAPkcs8One() throws Exception {
        TestCertificates.Issued rsa = ca.rsaServer(dir.resolve("rsa"), "rsa-server");
        assertThat(Files.readString(rsa.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(load(Map.of("BATON_TLS_CERT", rsa.cert().toString(), "BATON_TLS_KEY", rsa.key().toString()))
                .enabled()).isTrue();
    }

    private static TlsSettings load(Map<String, String> env) {
        return Settings.load(new HashMap<>(env), Map.of()).tls();
    }

    private static void assertRefused(Map<String, String> env, String message) {
        assertThatThrownBy(() -> load(env)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
