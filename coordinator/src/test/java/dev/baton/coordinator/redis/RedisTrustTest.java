package dev.baton.coordinator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.coordinator.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BATON_REDIS_TLS_CA: the CA file's certificates are trusted and nothing else; a file without one stops the start. */
class RedisTrustTest {
    @TempDir
    Path dir;

    @Test
    void theCertificatesOfThePemFileAreTheOnlyOnesTrusted() {
        TestCertificates.Ca ca = TestCertificates.ca("Redis CA");
        var trust = (X509TrustManager) RedisTrust.fromPem(ca.writeTo(dir.resolve("ca.pem")))
                .getTrustManagers()[0];
        assertThat(trust.getAcceptedIssuers()).containsExactly(ca.certificate());
    }

    @Test
    void aFileWithoutACertificateIsRefusedNamingTheSetting() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        assertThatThrownBy(() -> RedisTrust.fromPem(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("BATON_REDIS_TLS_CA: no certificate");
        assertThatThrownBy(() -> RedisTrust.fromPem(dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BATON_REDIS_TLS_CA: no certificate read from " + dir.resolve("missing.pem"))
                .hasNoCause();
    }
}
