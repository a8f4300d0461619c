package dev.baton.worker;

import java.io.IOException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Says in one sentence why a TLS connection to a coordinator failed, from what the JDK threw: an
 * untrusted issuer, a certificate for another host name, an expired one, a client certificate the
 * coordinator refused, a port that does not speak TLS. The JDK's own words ("PKIX path building
 * failed: … unable to find valid certification path to requested target") name none of the
 * settings that fix it; these messages name the URL, the certificate and the setting.
 */
final class TlsFailures {
    private TlsFailures() {
    }

    /**
     * Whether {@code failure} is one no retry mends: a certificate refused (by either side), a
     * protocol the two sides do not share, a port without TLS. A connection that merely ended
     * mid-handshake (a coordinator stopping) is not: it is an outage like a refused connection.
     */
    static boolean isConfiguration(SSLException failure) {
        if (find(failure, ClientTls.RefusedCertificate.class) != null) {
            return true;
        }
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        return CONFIGURATION_ALERTS.stream().anyMatch(message::contains);
    }

    /** The words of the JDK's messages (alerts received, or what it could not read) that mean a configuration error. */
    private static final List<String> CONFIGURATION_ALERTS = List.of("certificate_required", "bad_certificate",
            "unknown_ca", "certificate_unknown", "certificate_expired", "unsupported_certificate", "access_denied",
            "handshake_failure", "protocol_version", "insufficient_security", "no appropriate protocol",
            "unrecognized ssl message", "plaintext connection");

    /** {@code failure} as one line: "TLS to URL failed: the coordinator's certificate … is not signed by …". */
    static String explain(String url, String host, SSLException failure, ClientTls tls) {
        return explained(url, reason(host, failure, tls));
    }

    /** The coordinator asked for a client certificate and this worker had none it would accept. */
    static String noClientCertificate(String url, ClientTls.ClientCertificate asked, ClientTls tls) {
        return explained(url, "the coordinator requires a client certificate (mutual TLS) and this worker has none it "
                + "accepts: it presents " + tls.presented() + (asked.acceptedIssuers().isEmpty() ? ""
                : ", and the coordinator accepts certificates issued by " + String.join("; ", asked.acceptedIssuers())));
    }

    /**
     * The connection closed under the first request right after a handshake in which this worker
     * gave its client certificate: how a TLS 1.3 server refuses a certificate it does not accept.
     */
    static String closedAfterHandshake(String url, IOException e, ClientTls tls) {
        return explained(url, "the coordinator closed the connection as soon as the TLS handshake ended (" + e
                + "), as it does when it does not accept the client certificate given: this worker presents "
                + tls.presented() + ", and the coordinator wants one signed by a CA in its BATON_TLS_CLIENT_CA");
    }

    private static String explained(String url, String reason) {
        return "TLS to " + url + " failed: " + reason
                + " (a configuration error: retrying will not help until the certificate or the TLS settings change)";
    }

    private static String reason(String host, SSLException failure, ClientTls tls) {
        ClientTls.RefusedCertificate refused = find(failure, ClientTls.RefusedCertificate.class);
        if (refused != null) {
            String certificate = "the coordinator's " + refused.certificate;
            Throwable why = refused.getCause();
            if (find(why, CertificateExpiredException.class) != null || hasReason(why, CertPathValidatorException.BasicReason.EXPIRED)) {
                return certificate + " has expired";
            }
            if (find(why, CertificateNotYetValidException.class) != null
                    || hasReason(why, CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                return certificate + " is not valid yet (or this host's clock is wrong)";
            }
            String message = String.valueOf(why.getMessage());
            if (message.startsWith("No subject alternative") || message.startsWith("No name matching")) {
                return certificate + " is not for the host name " + host + " (hostname mismatch: the URL must use a "
                        + "name or address the certificate lists)";
            }
            if (find(why, CertPathBuilderException.class) != null || message.contains("certification path")) {
                return certificate + " is not signed by a CA this worker trusts (untrusted issuer; it trusts "
                        + tls.trusted() + ")";
            }
            return certificate + " was refused: " + message;
        }
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("certificate_required") || message.contains("bad_certificate")
                || message.contains("unknown_ca") || message.contains("certificate_unknown")
                || message.contains("access_denied")) {
            return "the coordinator refused this worker's client certificate (mutual TLS; it presents "
                    + tls.presented() + ", and the coordinator wants one signed by a CA in its BATON_TLS_CLIENT_CA)";
        }
        if (message.contains("unrecognized ssl message") || message.contains("plaintext connection")) {
            return "the coordinator does not speak TLS on this port (plain HTTP? then the URL is http://)";
        }
        return "the TLS handshake failed: " + failure.getMessage();
    }

    private static boolean hasReason(Throwable t, CertPathValidatorException.Reason reason) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof CertPathValidatorException v && v.getReason() == reason) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
