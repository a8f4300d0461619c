package dev.baton.common.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * PEM files ({@link Pem}) as the JDK's TLS wants them: a key store holding one private key with its
 * certificate chain, a trust store of CA certificates, and an {@link SSLContext} made of either.
 * Used by the coordinator for what it serves and by the worker for what it presents and trusts.
 *
 * <p>The stores live in memory only; {@link #PASSWORD} exists because a PKCS#12 key entry must have
 * one, not to protect anything (the key file on disk is what the operator protects).
 */
public final class TlsStores {
    /** The in-memory key entry's password; never written anywhere. */
    public static final char[] PASSWORD = "baton-in-memory".toCharArray();
    /** The protocols Baton speaks, newest first: nothing older than TLS 1.2. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsStores() {
    }

    /**
     * The key in {@code keyFile} with the chain in {@code certFile}, refused when the key is not the
     * one the chain's first certificate was issued for (a renewal that replaced one file of the two).
     */
    public static KeyStore keyStore(Path certFile, Path keyFile) {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!belongTogether(key, chain.getFirst().getPublicKey())) {
            throw new IllegalArgumentException("the private key in " + keyFile + " is not the key of the certificate "
                    + chain.getFirst().getSubjectX500Principal().getName() + " in " + certFile);
        }
        try {
            KeyStore ks = empty();
            ks.setKeyEntry("baton", key, PASSWORD, chain.toArray(new X509Certificate[0]));
            return ks;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the key in " + keyFile + " cannot be used: " + e.getMessage(), e);
        }
    }

    /** Every certificate in {@code caFile} as a trusted CA. */
    public static KeyStore trustStore(Path caFile) {
        List<X509Certificate> cas = Pem.certificates(caFile);
        try {
            KeyStore ts = empty();
            for (int i = 0; i < cas.size(); i++) {
                ts.setCertificateEntry("ca-" + i, cas.get(i));
            }
            return ts;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(caFile + " cannot be used as trusted CAs: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS context presenting {@code keys} (null: no certificate of its own) and trusting the CAs
     * in {@code trust} only (null: the JDK's default trust store).
     */
    public static SSLContext context(KeyStore keys, KeyStore trust) {
        return context(keys == null ? null : keyManager(keys), trustManager(trust));
    }

    /** A TLS context presenting what {@code keys} chooses (null: no certificate) and trusting what {@code trust} does. */
    public static SSLContext context(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : new KeyManager[] {keys}, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** The JDK's key manager over the one key in {@code keys} (made by {@link #keyStore}). */
    public static X509ExtendedKeyManager keyManager(KeyStore keys) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK has no X.509 key manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a key manager: " + e.getMessage(), e);
        }
    }

    /** The JDK's PKIX trust manager over the CAs in {@code trust} (null: the JDK's default trust store). */
    public static X509ExtendedTrustManager trustManager(KeyStore trust) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust); // null: the JDK's cacerts
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK has no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a trust manager: " + e.getMessage(), e);
        }
    }

    /** Whether {@code key} is the private half of {@code certified}. */
    static boolean belongTogether(PrivateKey key, PublicKey certified) {
        if (key instanceof RSAKey rsa && certified instanceof RSAKey rsaPublic) {
            return rsa.getModulus().equals(rsaPublic.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm())
                && !(algorithm.equals("EdDSA") && certified.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] probe = "baton key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(certified);
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static KeyStore empty() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException("an empty key store cannot fail to load", e);
        }
        return ks;
    }
}
