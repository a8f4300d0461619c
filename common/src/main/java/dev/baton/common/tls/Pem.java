package dev.baton.common.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files Baton is given for TLS, for the coordinator and the worker alike: a chain or
 * bundle of certificates, and an unencrypted private key as PKCS#8 ({@code BEGIN PRIVATE KEY}, what
 * {@code openssl genpkey} and {@code openssl req -newkey} write) or PKCS#1 ({@code BEGIN RSA PRIVATE
 * KEY}, what older tools write). The JDK reads PKCS#8 only; a PKCS#1 key is wrapped into PKCS#8 here
 * rather than adding a library for it.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} whose message names the file and says
 * what is wrong with it (and, where there is one, the openssl command that fixes it), so a caller
 * only has to prefix the setting's name.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----",
            Pattern.DOTALL);
    /** rsaEncryption, 1.2.840.113549.1.1.1, as a DER AlgorithmIdentifier with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** The key algorithms a PKCS#8 key may be for, tried in turn (the JDK wants the name up front). */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private Pem() {
    }

    /** One {@code -----BEGIN type-----} block: its type and its decoded bytes. */
    record Block(String type, byte[] der) {
    }

    /** Every certificate in the file, in order (a server's chain starts with its own). At least one. */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    certificates.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + " holds a CERTIFICATE block that is no X.509 certificate ("
                    + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no -----BEGIN CERTIFICATE----- block");
        }
        return List.copyOf(certificates);
    }

    /** The file's one private key: PKCS#8, or PKCS#1 RSA. */
    public static PrivateKey privateKey(Path file) {
        List<Block> keys = blocks(file).stream().filter(b -> b.type().endsWith("PRIVATE KEY")).toList();
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no -----BEGIN PRIVATE KEY----- block");
        }
        if (keys.size() > 1) {
            throw new IllegalArgumentException(file + " holds " + keys.size() + " private keys; give it one");
        }
        Block key = keys.getFirst();
        return switch (key.type()) {
            case "PRIVATE KEY" -> pkcs8(file, key.der());
            case "RSA PRIVATE KEY" -> pkcs8(file, rsaPkcs1ToPkcs8(key.der()));
            case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(file
                    + " holds an encrypted private key; Baton reads unencrypted keys only (protect the file "
                    + "instead): openssl pkey -in " + file + " -out key.pem");
            default -> throw new IllegalArgumentException(file + " holds a '" + key.type()
                    + "' block, which Baton does not read; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in "
                    + file + " -out key.pem");
        };
    }

    private static PrivateKey pkcs8(Path file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this algorithm's key: try the next one
            }
        }
        throw new IllegalArgumentException(file + " holds a private key that is no RSA, EC or EdDSA key "
                + "the JDK can read");
    }

    /**
     * PKCS#1's RSAPrivateKey inside PKCS#8's PrivateKeyInfo: {@code SEQUENCE { INTEGER 0,
     * AlgorithmIdentifier rsaEncryption, OCTET STRING pkcs1 }}.
     */
    static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(0x30);
        info.writeBytes(derLength(body.size()));
        info.writeBytes(body.toByteArray());
        return info.toByteArray();
    }

    private static byte[] derLength(int length) {
        if (length < 0x80) {
            return new byte[] {(byte) length};
        }
        int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
        byte[] out = new byte[bytes + 1];
        out[0] = (byte) (0x80 | bytes);
        for (int i = 0; i < bytes; i++) {
            out[bytes - i] = (byte) (length >>> (8 * i));
        }
        return out;
    }

    /** The file's PEM blocks; refused when it cannot be read or holds none. */
    static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1); // never refused for a stray byte
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read (" + e + ")", e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(2).contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED): an old-style encrypted key
                throw new IllegalArgumentException(file + " holds an encrypted " + m.group(1)
                        + "; Baton reads unencrypted keys only (protect the file instead): openssl pkey -in " + file
                        + " -out key.pem");
            }
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " holds a " + m.group(1) + " block that is no base64", e);
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException(file + " is not a PEM file (no -----BEGIN …----- block)");
        }
        return blocks;
    }
}
