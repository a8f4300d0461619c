package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** Hostile review, defect 11: JDK and Jackson failures in plain words, never by class name. */
class FailuresTest {
    @Test
    void jdkFailures() {
        assertThat(Failures.reason(new ConnectException())).isEqualTo("connection refused");
        assertThat(Failures.reason(new HttpConnectTimeoutException("HTTP connect timed out"))).isEqualTo("timed out connecting");
        assertThat(Failures.reason(new NoSuchFileException("/x"))).isEqualTo("no such file");
        assertThat(Failures.reason(new NullPointerException())).doesNotContain("Exception").contains("bug");
        ConnectException unresolved = new ConnectException();
        unresolved.initCause(new java.nio.channels.UnresolvedAddressException());
        assertThat(Failures.reason(unresolved)).isEqualTo("no such host");
    }

    @Test
    void jacksonFailuresByField() {
        assertThat(json("{\"type\":\"t\",\"nope\":1}")).startsWith("unknown field \"nope\" (known: ").contains("type")
                .doesNotContain("dev.baton", "class");
        assertThat(json("{\"type\":\"t\",\"priority\":\"high\"}")).startsWith("field priority: expected a whole number");
        assertThat(json("{\"type\":\"t\",\"labels\":[1]}")).isEqualTo("field labels: expected an object");
        assertThat(json("{\"type\":")).doesNotContain("com.fasterxml", "`").contains("line 1");
    }

    private static String json(String text) {
        try {
            Json.mapper().readValue(text, Requests.Enqueue.class);
            throw new AssertionError("read " + text);
        } catch (JsonProcessingException e) {
            return Failures.json(e);
        }
    }
}
