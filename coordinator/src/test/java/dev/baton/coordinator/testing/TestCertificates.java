package dev.baton.coordinator.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made in the test, so that TLS tests need no files checked in and nothing that
 * expires: a certificate authority ({@link #ca}) and server certificates it signs
 * ({@link Authority#issue}), written as PEM files, the form PostgreSQL, Redis and the JDBC
 * driver's {@code sslrootcert} read. Keys are EC P-256 (made in milliseconds); certificates are
 * valid from an hour ago for a day.
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(1);

    private TestCertificates() {
    }

    /** A new self-signed certificate authority named {@code commonName}, unrelated to any other. */
    public static Authority ca(String commonName) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = builder(name, name, keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(sign(builder, keys.getPrivate()), keys);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("test CA not made", e);
        }
    }

    /** A certificate authority: signs server certificates; its own certificate is what clients trust. */
    public static final class Authority {
        private final X509Certificate certificate;
        private final KeyPair keys;

        private Authority(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** Writes this authority's certificate (what a client trusts) as PEM to {@code file}. */
        public Path writeCertificate(Path file) {
            return writePem(file, certificate);
        }

        /**
         * A server certificate for {@code hostnames} (DNS names, or IP addresses written as
         * literals, each a subject alternative name; the first is also the common name), signed
         * by this authority, usable for TLS servers and clients.
         */
        public Issued issue(String... hostnames) {
            if (hostnames.length == 0) {
                throw new IllegalArgumentException("a certificate names at least one host");
            }
            KeyPair leaf = newKeyPair();
            try {
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder builder = builder(
                        X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                        new X500Name("CN=" + hostnames[0]), leaf)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                        .addExtension(Extension.subjectAlternativeName, false, alternativeNames(hostnames))
                        .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leaf.getPublic()))
                        .addExtension(Extension.authorityKeyIdentifier, false,
                                ext.createAuthorityKeyIdentifier(certificate));
                return new Issued(sign(builder, keys.getPrivate()), leaf.getPrivate());
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("test certificate not made", e);
            }
        }
    }

    /** A server certificate and its private key. */
    public record Issued(X509Certificate certificate, PrivateKey privateKey) {
        /**
         * Writes {@code name.crt} and {@code name.key} (PKCS#8, mode 0600, as PostgreSQL demands
         * of a key file) into {@code dir}.
         */
        public PemFiles writeTo(Path dir, String name) {
            Path cert = writePem(dir.resolve(name + ".crt"), certificate);
            Path key = dir.resolve(name + ".key");
            try {
                Files.deleteIfExists(key);
                Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            writePem(key, privateKey);
            return new PemFiles(cert, key);
        }
    }

    /** Where {@link Issued#writeTo} put the certificate and the key. */
    public record PemFiles(Path certificate, Path key) {
    }

    private static GeneralNames alternativeNames(String... hostnames) {
        GeneralName[] names = new GeneralName[hostnames.length];
        for (int i = 0; i < hostnames.length; i++) {
            names[i] = isIpLiteral(hostnames[i])
                    ? new GeneralName(GeneralName.iPAddress, hostnames[i])
                    : new GeneralName(GeneralName.dNSName, hostnames[i]);
        }
        return new GeneralNames(names);
    }

    /** An IPv4 address in dotted form or an IPv6 one (it has colons); anything else is a DNS name. */
    private static boolean isIpLiteral(String host) {
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || host.contains(":");
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writePem(Path file, Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(object instanceof PrivateKey key
                    ? new JcaPKCS8Generator(key, null) : object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return Files.writeString(file, text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
