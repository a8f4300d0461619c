package dev.baton.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.baton.cli.Cli;
import dev.baton.cli.ExitCodes;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hostile review, defect 11: an answer that is not JSON (not a coordinator) said nothing, or a class name. */
class ApiClientAnswersTest {
    @Test
    void anAnswerThatIsNotJsonIsSaidSo() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", x -> {
            byte[] page = "<html>a web server</html>".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/html");
            x.sendResponseHeaders(200, page.length);
            x.getResponseBody().write(page);
            x.close();
        });
        server.start();
        try {
            Cli cli = new Cli(Map.of("BATON_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
                    "BATON_TOKEN", "t", "BATON_CONFIG", "/nonexistent"));
            for (String[] args : new String[][] {{"jobs", "list"}, {"jobs", "show", "1"}, {"queues", "list"}}) {
                Cli.Result r = cli.run(args);
                assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILED);
                assertThat(r.err()).as(r.toString()).contains("the answer was not JSON")
                        .doesNotContain("com.fasterxml", "java.", "Exception");
            }
        } finally {
            server.stop(0);
        }
    }
}
