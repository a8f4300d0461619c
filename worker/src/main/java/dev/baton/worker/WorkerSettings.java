package dev.baton.worker;

import dev.baton.common.config.SettingNames;
import dev.baton.common.config.SettingsReader;
import dev.baton.common.config.UnknownNames;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A worker's configuration, read the one way the coordinator's is ({@link SettingsReader}) from
 * either of two spellings of the same settings: the BATON_* environment variables of
 * {@code java -jar baton-worker.jar} ({@link #load}) or the {@code baton.worker.*} properties of
 * a Micronaut application ({@link #fromProperties}). A bad value is refused with one line naming
 * the setting as it was spelt.
 */
public record WorkerSettings(List<URI> coordinators, String token, List<String> queues, int concurrency,
                             String workerId, long leaseMs, long shutdownGraceMs, Tls tls) {

    /**
     * The PEM files for {@code https://} coordinators, each null when unset: the CAs trusted instead
     * of the JDK's, and the certificate and key presented for mutual TLS ({@link ClientTls}).
     */
    public record Tls(Path ca, Path clientCert, Path clientKey) {
        public static final Tls NONE = new Tls(null, null, null);
    }

    /** The names of the settings in one spelling; {@link #ENV}'s are {@link SettingNames#WORKER}. */
    record Names(String coordinators, String token, String queues, String concurrency, String workerId,
                 String leaseMs, String shutdownGraceMs, String tlsCa, String tlsClientCert, String tlsClientKey) {
        Set<String> all() {
            return Set.of(coordinators, token, queues, concurrency, workerId, leaseMs, shutdownGraceMs, tlsCa,
                    tlsClientCert, tlsClientKey);
        }
    }

    static final Names ENV = new Names("BATON_COORDINATOR_URLS", "BATON_WORKER_TOKEN", "BATON_QUEUES",
            "BATON_CONCURRENCY", "BATON_WORKER_ID", "BATON_LEASE_MS", "BATON_SHUTDOWN_GRACE_MS", "BATON_TLS_CA",
            "BATON_TLS_CLIENT_CERT", "BATON_TLS_CLIENT_KEY");
    static final Names PROPERTIES = new Names("baton.worker.coordinators", "baton.worker.token",
            "baton.worker.queues", "baton.worker.concurrency", "baton.worker.id", "baton.worker.lease-ms",
            "baton.worker.shutdown-grace-ms", "baton.worker.tls.ca", "baton.worker.tls.client-cert",
            "baton.worker.tls.client-key");

    public WorkerSettings {
        coordinators = List.copyOf(coordinators);
        Objects.requireNonNull(token, "token");
        queues = List.copyOf(queues);
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(tls, "tls");
    }

    /** BATON_* environment variables, overridden by baton.* system properties, then by {@code overrides}. */
    public static WorkerSettings load(Map<String, String> env, Map<String, String> overrides) {
        return read(SettingsReader.fromEnvironment(env, overrides), ENV);
    }

    /** Micronaut's {@code baton.worker.*} properties, by their full names. */
    public static WorkerSettings fromProperties(Map<String, String> properties) {
        return read(new SettingsReader(properties), PROPERTIES);
    }

    private static WorkerSettings read(SettingsReader r, Names n) {
        List<URI> coordinators = r.httpUrls(n.coordinators, "http://127.0.0.1:8080");
        String token = r.required(n.token, "a worker (or admin) token of the coordinator");
        List<String> queues = r.list(n.queues, "default");
        if (queues.isEmpty() || queues.size() > 50) {
            // The coordinator refuses every claim for fewer or more, so the worker would never work.
            throw SettingsReader.refused(n.queues, "must name 1 to 50 queues", r.text(n.queues));
        }
        int concurrency = r.wholeInt(n.concurrency, 16);
        SettingsReader.between(n.concurrency, concurrency, 1, 10_000);
        String workerId = r.text(n.workerId, Worker.Builder.defaultWorkerId());
        if (workerId.length() > 200) {
            throw new IllegalArgumentException(n.workerId + " must be at most 200 characters, was "
                    + workerId.length());
        }
        long leaseMs = r.whole(n.leaseMs, 30_000);
        SettingsReader.between(n.leaseMs, leaseMs, 1000, 3_600_000); // what a claim may ask for
        long graceMs = r.whole(n.shutdownGraceMs, 30_000);
        SettingsReader.atLeast(n.shutdownGraceMs, graceMs, 0);
        return new WorkerSettings(coordinators, token, queues, concurrency, workerId, leaseMs, graceMs, tls(r, n));
    }

    /**
     * The TLS files, read now so a missing or unusable one stops the start with one line naming the
     * setting and the file, not every request later.
     */
    private static Tls tls(SettingsReader r, Names n) {
        Tls tls = new Tls(path(r, n.tlsCa), path(r, n.tlsClientCert), path(r, n.tlsClientKey));
        if ((tls.clientCert() == null) != (tls.clientKey() == null)) {
            throw new IllegalArgumentException(tls.clientCert() == null
                    ? n.tlsClientKey + " is set but " + n.tlsClientCert + " is not: a client certificate needs both"
                    : n.tlsClientCert + " is set but " + n.tlsClientKey + " is not: a client certificate needs both");
        }
        if (tls.ca() != null) {
            try {
                ClientTls.of(tls.ca(), null, null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(n.tlsCa + ": " + e.getMessage(), e);
            }
        }
        if (tls.clientCert() != null) {
            try {
                ClientTls.of(null, tls.clientCert(), tls.clientKey());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(n.tlsClientCert + "/" + n.tlsClientKey + ": " + e.getMessage(), e);
            }
        }
        return tls;
    }

    private static Path path(SettingsReader r, String name) {
        String v = r.text(name);
        return v == null ? null : Path.of(v);
    }

    /** The BATON_* variables in {@code env} that no worker or coordinator reads, like {@link #load}'s typos. */
    public static List<String> unknownNames(Map<String, String> env) {
        Set<String> own = SettingNames.withProcess(SettingNames.WORKER);
        return UnknownNames.of(env.keySet(), "BATON_", own, SettingNames.otherThan(own));
    }

    /** Every {@code baton.worker.*} property {@link #fromProperties} reads. */
    public static Set<String> propertyNames() {
        return PROPERTIES.all();
    }

    /** The {@code baton.worker.*} properties among {@code names} that no worker reads. */
    public static List<String> unknownProperties(Collection<String> names) {
        return UnknownNames.of(names, "baton.worker.", PROPERTIES.all(), Set.of());
    }

    /** A builder with these settings; add the handlers and build. */
    public Worker.Builder builder() {
        return Worker.builder().coordinators(coordinators.stream().map(URI::toString).toArray(String[]::new))
                .token(token).queues(queues.toArray(String[]::new)).concurrency(concurrency).workerId(workerId)
                .leaseMs(leaseMs).shutdownGrace(Duration.ofMillis(shutdownGraceMs)).tlsCa(tls.ca())
                .tlsClientCertificate(tls.clientCert(), tls.clientKey());
    }

    /** The token is a secret: never printed. */
    @Override
    public String toString() {
        return "WorkerSettings[coordinators=" + coordinators + ", token=***, queues=" + queues + ", concurrency="
                + concurrency + ", workerId=" + workerId + ", leaseMs=" + leaseMs + ", shutdownGraceMs="
                + shutdownGraceMs + ", tls=" + tls + "]";
    }
}
