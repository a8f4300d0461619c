package dev.baton.worker;

import dev.baton.common.tls.TlsStores;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a worker speaks TLS to {@code https://} coordinators: which CAs it trusts (the JDK's default
 * trust store, or only those in BATON_TLS_CA) and which certificate it presents when a
 * coordinator asks for one (BATON_TLS_CLIENT_CERT and BATON_TLS_CLIENT_KEY, for mutual TLS). The
 * files are read once, when this is made, so a missing or unreadable file stops the worker's
 * start instead of failing every request.
 *
 * <p>A server certificate the worker refuses is described in the refusal (its subject, issuer
 * and expiry), so {@link TlsFailures} can say which certificate was wrong and not only that one was.
 */
public final class ClientTls {
    private static volatile ClientTls jdkDefaults;

    private final Path ca;
    private final Path clientCert;
    private final SSLSocketFactory sockets;

    private ClientTls(Path ca, Path clientCert, Path clientKey) {
        this.ca = ca;
        this.clientCert = clientCert;
        KeyStore keys = clientCert == null ? null : TlsStores.keyStore(clientCert, clientKey);
        X509ExtendedTrustManager trust = TlsStores.trustManager(ca == null ? null : TlsStores.trustStore(ca));
        this.sockets = TlsStores.context(new Presenting(keys == null ? null : TlsStores.keyManager(keys)),
                new Explaining(trust)).getSocketFactory();
    }

    /**
     * Whether the coordinator asked for a client certificate during a handshake and, if it did,
     * whether this worker had one to give: with TLS 1.3 a coordinator refuses a missing or
     * unaccepted certificate only after the client's side of the handshake ended, by closing the
     * connection, which tells the worker nothing; knowing it asked and got none tells it all.
     */
    record ClientCertificate(boolean asked, boolean presented, List<String> acceptedIssuers) {
        boolean refusedForSure() {
            return asked && !presented;
        }
    }

    /** Runs the handshake of {@code socket}; says what became of a request for a client certificate. */
    ClientCertificate handshake(SSLSocket socket) throws IOException {
        ClientCertificate[] seen = {new ClientCertificate(false, false, List.of())};
        HANDSHAKES.put(socket, seen);
        try {
            socket.startHandshake();
            return seen[0];
        } finally {
            HANDSHAKES.remove(socket);
        }
    }

    /** The handshakes under way, for {@link Presenting} to report to (it is shared by every socket). */
    private static final Map<Socket, ClientCertificate[]> HANDSHAKES = new ConcurrentHashMap<>();

    /**
     * Trusting the CAs in {@code ca} only (null: the JDK's default trust store) and presenting the
     * certificate in {@code clientCert} with the key in {@code clientKey} (both null: none). The
     * files are read now; a file that cannot be used is refused with a message naming it.
     */
    public static ClientTls of(Path ca, Path clientCert, Path clientKey) {
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("a client certificate needs its private key, and the key its "
                    + "certificate: give both or neither");
        }
        if (ca == null && clientCert == null) {
            return jdkDefaults();
        }
        return new ClientTls(ca, clientCert, clientKey);
    }

    /** The JDK's default trust store, no client certificate: what {@code https://} means without settings. */
    public static ClientTls jdkDefaults() {
        ClientTls d = jdkDefaults;
        if (d == null) {
            synchronized (ClientTls.class) {
                d = jdkDefaults;
                if (d == null) {
                    d = new ClientTls(null, null, null);
                    jdkDefaults = d;
                }
            }
        }
        return d;
    }

    SSLSocketFactory sockets() {
        return sockets;
    }

    /** Which CAs this worker trusts, for messages. */
    String trusted() {
        return ca == null ? "the JDK's default trust store (BATON_TLS_CA is not set)"
                : "only the CAs in " + ca + " (BATON_TLS_CA)";
    }

    /** Which certificate this worker presents, for messages. */
    String presented() {
        return clientCert == null ? "no client certificate (BATON_TLS_CLIENT_CERT is not set)"
                : "the client certificate in " + clientCert + " (BATON_TLS_CLIENT_CERT)";
    }

    @Override
    public String toString() {
        return "ClientTls[ca=" + ca + ", clientCert=" + clientCert + "]";
    }

    /**
     * The JDK's trust manager, which names the certificate it refused: "certificate CN=a (issued by
     * CN=b, valid until …): " before the JDK's reason.
     */
    private static final class Explaining extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;

        Explaining(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw explained(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw explained(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                jdk.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                throw explained(chain, e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            jdk.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            jdk.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }

        private static CertificateException explained(X509Certificate[] chain, CertificateException e) {
            if (chain == null || chain.length == 0) {
                return e;
            }
            X509Certificate leaf = chain[0];
            return new RefusedCertificate("certificate " + leaf.getSubjectX500Principal().getName() + " (issued by "
                    + leaf.getIssuerX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant()
                    + ")", e);
        }
    }

    /**
     * The JDK's key manager for this worker's client certificate (or none), which notes for
     * {@link #handshake} that the coordinator asked for one and whether one was given.
     */
    private static final class Presenting extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager jdk;

        Presenting(X509ExtendedKeyManager jdk) {
            this.jdk = jdk;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            String alias = jdk == null ? null : jdk.chooseClientAlias(keyTypes, issuers, socket);
            ClientCertificate[] seen = socket == null ? null : HANDSHAKES.get(socket);
            if (seen != null) {
                seen[0] = new ClientCertificate(true, alias != null, issuers == null ? List.of()
                        : Arrays.stream(issuers).map(Principal::getName).toList());
            }
            return alias;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return jdk == null ? null : jdk.chooseEngineClientAlias(keyTypes, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return jdk == null ? null : jdk.getClientAliases(keyType, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null; // a worker serves nothing
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return jdk == null ? null : jdk.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return jdk == null ? null : jdk.getPrivateKey(alias);
        }
    }

    /** A server certificate this worker refused: which one in the message, the JDK's reason as the cause. */
    static final class RefusedCertificate extends CertificateException {
        final String certificate;

        RefusedCertificate(String certificate, CertificateException reason) {
            super(certificate + ": " + reason.getMessage(), reason);
            this.certificate = certificate;
        }
    }
}
