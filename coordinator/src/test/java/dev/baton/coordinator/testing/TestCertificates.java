package dev.baton.coordinator.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates made inside a test, written as the PEM files an operator would give Baton: a CA,
 * server certificates it signs (for {@code localhost} and {@code 127.0.0.1} unless told otherwise,
 * expired ones on request), client certificates, and the same again under an unrelated CA. The one
 * place the tests make certificates, for the coordinator's tests and the worker's.
 *
 * <pre>
 * TestCertificates.Ca ca = TestCertificates.ca("test CA");
 * TestCertificates.Issued server = ca.server(dir, "server");    // server.crt, server.key
 * TestCertificates.Issued client = ca.client(dir, "worker-1");  // worker-1.crt, worker-1.key
 * ca.writeTo(dir.resolve("ca.crt"));
 * </pre>
 *
 * Keys are EC P-256 (fast to make on a small machine) unless {@link Ca#rsaServer} asks for RSA.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A PEM pair on disk: {@code cert} (the chain, leaf first) and {@code key} (PKCS#8 unless asked otherwise). */
    public record Issued(Path cert, Path key, X509Certificate certificate) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    /** A new self-signed CA, valid from an hour ago for a day. */
    public static Ca ca(String name) {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, nextSerial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Ca(sign(b, keys.getPrivate()), keys);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA: signs server and client certificates. */
    public static final class Ca {
        private final X509Certificate certificate;
        private final KeyPair keys;

        private Ca(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** The CA's certificate as a PEM file (what BATON_TLS_CA and BATON_TLS_CLIENT_CA name). */
        public Path writeTo(Path file) {
            writeAtomically(file, pem(certificate));
            return file;
        }

        /** A server certificate for localhost and 127.0.0.1, valid now, as {@code name.crt} and {@code name.key}. */
        public Issued server(Path dir, String name) {
            return issue(dir, name, ecKeys(), List.of("localhost", "127.0.0.1"), true, validNow(), false);
        }

        /** A server certificate for {@code hosts} only (DNS names or IP addresses). */
        public Issued server(Path dir, String name, List<String> hosts) {
            return issue(dir, name, ecKeys(), hosts, true, validNow(), false);
        }

        /** A server certificate for localhost and 127.0.0.1 that expired an hour ago. */
        public Issued expiredServer(Path dir, String name) {
            Instant now = Instant.now();
            return issue(dir, name, ecKeys(), List.of("localhost", "127.0.0.1"), true,
                    new Instant[] {now.minus(Duration.ofDays(2)), now.minus(Duration.ofHours(1))}, false);
        }

        /** A server certificate with an RSA key, the key written as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
        public Issued rsaServer(Path dir, String name) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return issue(dir, name, g.generateKeyPair(), List.of("localhost", "127.0.0.1"), true, validNow(), true);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A client certificate (CN {@code name}) for mutual TLS. */
        public Issued client(Path dir, String name) {
            return issue(dir, name, ecKeys(), List.of(), false, validNow(), false);
        }

        private Issued issue(Path dir, String name, KeyPair leaf, List<String> hosts, boolean server, Instant[] validity,
                             boolean pkcs1) {
            try {
                JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, nextSerial(),
                        Date.from(validity[0]), Date.from(validity[1]), new X500Name("CN=" + name), leaf.getPublic());
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                        | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
                b.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(certificate));
                if (!hosts.isEmpty()) {
                    List<GeneralName> names = new ArrayList<>();
                    for (String h : hosts) {
                        names.add(new GeneralName(Character.isDigit(h.charAt(0)) ? GeneralName.iPAddress
                                : GeneralName.dNSName, h));
                    }
                    b.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(new GeneralName[0])));
                }
                X509Certificate cert = sign(b, keys.getPrivate());
                Files.createDirectories(dir);
                Path certFile = dir.resolve(name + ".crt");
                Path keyFile = dir.resolve(name + ".key");
                writeAtomically(keyFile, pkcs1 ? pkcs1Pem(leaf.getPrivate()) : pem(leaf.getPrivate()));
                writeAtomically(certFile, pem(cert) + pem(certificate));
                return new Issued(certFile, keyFile, cert);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Replaces {@code target} as a renewal script would, by writing beside it and renaming over it,
     * so a reader never sees half a file.
     */
    public static void replace(Path source, Path target) {
        try {
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instant[] validNow() {
        Instant now = Instant.now();
        return new Instant[] {now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1))};
    }

    private static BigInteger nextSerial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** PKCS#8 for a key ({@code BEGIN PRIVATE KEY}), the usual block for a certificate. */
    private static String pem(Object o) {
        if (o instanceof PrivateKey key) {
            return write(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(new JcaMiscPEMGenerator(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** An RSA key as PKCS#1, what JcaPEMWriter writes for a KeyPair's private key. */
    private static String pkcs1Pem(PrivateKey key) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pem = w.toString();
        if (!pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalStateException("expected a PKCS#1 key, BouncyCastle wrote " + pem.lines().findFirst());
        }
        return pem;
    }

    private static String write(PemObject o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void writeAtomically(Path file, String text) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
