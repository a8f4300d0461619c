package dev.baton.coordinator.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom a coordinator trusts on a {@code rediss://} connection when BATON_REDIS_TLS_CA names a PEM
 * file: the certificates in that file and nothing else, as PostgreSQL's {@code sslrootcert} does
 * for the database. A Redis with a certificate from a CA of the operator's own (self-signed, a
 * private PKI) needs no trust store converted with keytool nor a JVM-wide
 * {@code javax.net.ssl.trustStore}. Without the setting, Redisson trusts what the JVM trusts.
 * Redisson checks, besides, that the certificate names the host of BATON_REDIS_URL.
 */
final class RedisTrust {
    private RedisTrust() {
    }

    /** The trust of the PEM file {@code caPem}; a file that cannot be read or holds no certificate is refused. */
    static TrustManagerFactory fromPem(Path caPem) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caPem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            // no cause: the start's one line names the innermost cause, and this one names the setting
            throw new IllegalArgumentException("BATON_REDIS_TLS_CA: no certificate read from " + caPem + " (" + e + ")");
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("BATON_REDIS_TLS_CA: no certificate in " + caPem);
        }
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("trust for BATON_REDIS_TLS_CA not built", e);
        }
    }
}
