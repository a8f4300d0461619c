package dev.baton.coordinator.config;

import dev.baton.common.config.SettingsReader;
import dev.baton.common.tls.TlsStores;
import java.nio.file.Path;

/**
 * HTTPS on the coordinator's port: off unless BATON_TLS_CERT (the certificate chain, PEM) and
 * BATON_TLS_KEY (its private key, PEM) are both given; then the port speaks TLS 1.2 and 1.3 only
 * and no plain HTTP. BATON_TLS_CLIENT_CA (PEM bundle) turns on mutual TLS: a client without a
 * certificate signed by one of those CAs fails the handshake, before any request is read.
 * BATON_TLS_RELOAD_MS is how often the files are read again, so a renewed certificate is served
 * without a restart.
 *
 * <p>The files are read and checked when the settings are made, so a coordinator with a missing
 * file, a file that is no PEM, or a key that is not its certificate's refuses to start with one
 * line saying which, instead of starting and failing every handshake.
 */
public record TlsSettings(Path cert, Path key, Path clientCa, long reloadMs) {
    public static final TlsSettings OFF = new TlsSettings(null, null, null, 60_000);

    public TlsSettings {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException(cert == null
                    ? "BATON_TLS_KEY is set but BATON_TLS_CERT is not: HTTPS needs both (or neither, for HTTP)"
                    : "BATON_TLS_CERT is set but BATON_TLS_KEY is not: HTTPS needs both (or neither, for HTTP)");
        }
        if (cert == null && clientCa != null) {
            throw new IllegalArgumentException(
                    "BATON_TLS_CLIENT_CA needs BATON_TLS_CERT and BATON_TLS_KEY: mutual TLS is TLS first");
        }
        SettingsReader.atLeast("BATON_TLS_RELOAD_MS", reloadMs, 100);
        if (cert != null) {
            try {
                TlsStores.keyStore(cert, key);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("BATON_TLS_CERT/BATON_TLS_KEY: " + e.getMessage(), e);
            }
        }
        if (clientCa != null) {
            try {
                TlsStores.trustStore(clientCa);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("BATON_TLS_CLIENT_CA: " + e.getMessage(), e);
            }
        }
    }

    /** BATON_TLS_CERT, BATON_TLS_KEY, BATON_TLS_CLIENT_CA and BATON_TLS_RELOAD_MS. */
    public static TlsSettings read(SettingsReader r) {
        return new TlsSettings(path(r, "BATON_TLS_CERT"), path(r, "BATON_TLS_KEY"), path(r, "BATON_TLS_CLIENT_CA"),
                r.whole("BATON_TLS_RELOAD_MS", 60_000));
    }

    private static Path path(SettingsReader r, String name) {
        String v = r.text(name);
        return v == null ? null : Path.of(v);
    }

    public boolean enabled() {
        return cert != null;
    }

    public boolean mutual() {
        return clientCa != null;
    }
}
