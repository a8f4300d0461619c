package dev.baton.coordinator.tls;

import dev.baton.common.tls.Pem;
import dev.baton.common.tls.TlsStores;
import dev.baton.coordinator.config.Settings;
import dev.baton.coordinator.config.TlsSettings;
import dev.baton.coordinator.maintenance.Every;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.ssl.CertificateProvider;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Sinks;

/**
 * What the coordinator's HTTPS port presents (BATON_TLS_CERT and BATON_TLS_KEY) and, with mutual
 * TLS, which CAs it accepts client certificates from (BATON_TLS_CLIENT_CA): Micronaut's server
 * takes both from this provider ({@code micronaut.server.ssl.key-name} and {@code trust-name} are
 * {@link #NAME}) and builds a new TLS context whenever it publishes new stores, so a renewed
 * certificate is served to new connections without a restart; connections already open keep theirs.
 *
 * <p>Why not Micronaut's own {@code FileCertificateProvider}: it reloads whatever it reads, so a
 * renewal caught between writing the key and writing the certificate is served as a mismatched
 * pair and every handshake fails until the next change; and it cannot be closed in scheduled mode
 * (its close throws). Here the files are read every BATON_TLS_RELOAD_MS, and new stores are
 * published only when the files changed and the key is the certificate's; anything else is logged
 * once per change, and the certificate served so far stays.
 */
@Singleton
@Named(ServerCertificates.NAME)
@Requires(beans = Settings.class)
@Requires(property = "micronaut.server.ssl.enabled", value = "true")
public final class ServerCertificates implements CertificateProvider {
    /** The provider's name in Micronaut's SSL configuration. */
    public static final String NAME = "baton";
    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificates.class);

    private final TlsSettings tls;
    private final Sinks.Many<KeyStore> keys = Sinks.many().replay().latest();
    private final Sinks.Many<KeyStore> trust = Sinks.many().replay().latest();
    private final Every timer;
    /** The files' bytes at the last read, loaded or not; touched by the reload thread only (after the constructor). */
    private Contents lastRead;
    private volatile X509Certificate serving;

    public ServerCertificates(Settings settings) {
        this.tls = settings.tls();
        this.lastRead = read();
        publish(); // the files were checked when the settings were made; a failure here fails the start
        Duration every = Duration.ofMillis(tls.reloadMs());
        this.timer = Every.start("tls-reload", every, every, this::reload);
    }

    /** Reads the files again; publishes them when they changed and load. Never throws. */
    void reload() {
        Contents now;
        try {
            now = read();
        } catch (RuntimeException e) {
            now = null; // a file missing for a moment (renamed over): try again next time
        }
        if (now == null || now.equals(lastRead)) {
            return;
        }
        lastRead = now;
        try {
            publish();
        } catch (RuntimeException e) {
            LOG.warn("TLS files changed but were not loaded, still serving serial {}: {}",
                    serving.getSerialNumber().toString(16), e.getMessage());
        }
    }

    private void publish() {
        KeyStore ks = TlsStores.keyStore(tls.cert(), tls.key());
        KeyStore ts = tls.mutual() ? TlsStores.trustStore(tls.clientCa()) : null;
        X509Certificate leaf = Pem.certificates(tls.cert()).getFirst();
        if (ts != null) {
            trust.tryEmitNext(ts).orThrow();
        }
        keys.tryEmitNext(ks).orThrow();
        boolean renewed = serving != null;
        serving = leaf;
        LOG.info("TLS: {} certificate {} (serial {}, valid until {}){}", renewed ? "now serving" : "serving",
                leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                leaf.getNotAfter().toInstant(), tls.mutual() ? "; client certificates required" : "");
        if (leaf.getNotAfter().toInstant().isBefore(Instant.now())) {
            LOG.warn("TLS: the certificate in {} expired at {}: clients will refuse it", tls.cert(),
                    leaf.getNotAfter().toInstant());
        }
    }

    /** The three files' bytes (the CA's empty without mutual TLS), to notice any change. */
    private record Contents(byte[] cert, byte[] key, byte[] clientCa) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Contents c && Arrays.equals(cert, c.cert) && Arrays.equals(key, c.key)
                    && Arrays.equals(clientCa, c.clientCa);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(cert) ^ Arrays.hashCode(key) ^ Arrays.hashCode(clientCa);
        }
    }

    private Contents read() {
        try {
            return new Contents(Files.readAllBytes(tls.cert()), Files.readAllBytes(tls.key()),
                    tls.mutual() ? Files.readAllBytes(tls.clientCa()) : new byte[0]);
        } catch (IOException e) {
            throw new IllegalStateException("TLS files cannot be read: " + e, e);
        }
    }

    /** The certificate new connections are given. */
    public X509Certificate serving() {
        return serving;
    }

    @Override
    public Publisher<KeyStore> getKeyStore() {
        return keys.asFlux();
    }

    @Override
    public Publisher<KeyStore> getTrustStore() {
        return trust.asFlux();
    }

    @Override
    public String getName() {
        return NAME;
    }

    @PreDestroy
    void close() {
        timer.stop();
    }
}
