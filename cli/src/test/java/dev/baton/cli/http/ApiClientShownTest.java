package dev.baton.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** A password in the coordinator's URL is never printed (hostile review, defect 4). */
class ApiClientShownTest {
    @Test
    void userInformationIsLeftOut() {
        assertThat(ApiClient.shown(URI.create("http://user:pass123@127.0.0.1:18081/base")))
                .isEqualTo("http://127.0.0.1:18081/base").doesNotContain("pass123");
        assertThat(ApiClient.shown(URI.create("https://baton.example"))).isEqualTo("https://baton.example");
    }
}
