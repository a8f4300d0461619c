package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.baton.common.Requests;
import dev.baton.coordinator.testing.CapturedLogs;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker moving to the next coordinator says so in one WARN line naming both and why, a
 * password in a URL hidden; while every coordinator is down it does not say it again for every
 * request that moves on (those are DEBUG), but counts them into its next WARN line.
 */
class FailoverLinesTest {
    @Test
    void aSwitchIsOneLineAndAnOutageOfAllIsNotAFlood() throws Exception {
        int a;
        int b;
        try (ServerSocket first = new ServerSocket(0); ServerSocket second = new ServerSocket(0)) {
            a = first.getLocalPort();
            b = second.getLocalPort();
        } // both closed: connections to them are refused
        BatonClient client = new BatonClient(List.of(URI.create("http://user:url-secret-5@127.0.0.1:" + a + "/"),
                URI.create("http://127.0.0.1:" + b + "/")), "token-secret-6");
        Requests.Claim claim = new Requests.Claim("w", List.of("q"), null, 1, 0L, 30_000L);
        try (CapturedLogs logs = CapturedLogs.of(BatonClient.class.getName(), Level.DEBUG)) {
            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> client.claim(claim)).isInstanceOf(BatonClient.Unavailable.class);
            }
            assertThat(logs.lines(Level.WARN)).singleElement().asString().matches("coordinator "
                    + "http://\\*\\*\\*@127\\.0\\.0\\.1:" + a + "/ failed \\(java\\.net\\.ConnectException: .*\\); "
                    + "switching to http://127\\.0\\.0\\.1:" + b + "/");
            assertThat(logs.lines(Level.DEBUG)).hasSize(9);
            assertThat(logs.events()).noneMatch(e -> e.getFormattedMessage().contains("secret"));
        } finally {
            client.close();
        }
    }
}
