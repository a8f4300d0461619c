package dev.baton.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's HTTP/1.1 client against a scripted server on a real socket: keep-alive reuse, a
 * connection the server closed while idle, chunked answers, a server that never answers, many
 * requests at once, a refused connection, and answers it cannot read.
 */
class Http1Test {
    /** What the server does with each request it reads: the answer's bytes, or null to hang. */
    interface Script {
        String answer(int requestNumber, String requestHead, String body);
    }

    private ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> heads = new CopyOnWriteArrayList<>();

    private Http1 start(Script script, boolean closeAfterEachAnswer) throws IOException {
        server = new ServerSocket(0);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(s, script, closeAfterEachAnswer));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return new Http1(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/"));
    }

    private void serve(Socket s, Script script, boolean closeAfterEachAnswer) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                StringBuilder head = new StringBuilder();
                int length = 0;
                for (String l = readLine(in); l != null && !l.isEmpty(); l = readLine(in)) {
                    head.append(l).append('\n');
                    if (l.toLowerCase().startsWith("content-length:")) {
                        length = Integer.parseInt(l.substring(15).trim());
                    }
                }
                if (head.isEmpty()) {
                    return;
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                heads.add(head.toString());
                String answer = script.answer(requests.incrementAndGet(), head.toString(), body);
                if (answer == null) {
                    Thread.sleep(60_000);
                    return;
                }
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (closeAfterEachAnswer) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // the test is over
        }
    }

    /** One line of bytes (UTF-8, CRLF stripped), or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void keepsTheConnectionAliveAndSendsTheHeaders() throws IOException {
        Http1 http = start((n, head, body) -> ok("{\"n\":" + n + ",\"echo\":" + body + "}"), false);
        for (int i = 1; i <= 5; i++) {
            Http1.Response r = http.post("/api/v1/claims", Map.of("Authorization", "Bearer t"), "{\"é\":" + i + "}",
                    Duration.ofSeconds(5));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"n\":" + i + ",\"echo\":{\"é\":" + i + "}}");
        }
        assertThat(connections.get()).isEqualTo(1);
        assertThat(heads.get(0)).startsWith("POST /api/v1/claims HTTP/1.1\n").contains("Authorization: Bearer t\n")
                .contains("Content-Type: application/json\n").contains("Host: 127.0.0.1:");
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedOnce() throws IOException {
        Http1 http = start((n, head, body) -> ok("{\"n\":" + n + "}"), true);
        assertThat(http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)).body()).isEqualTo("{\"n\":1}");
        // the pooled connection is closed by now; the request goes again on a new one, once
        assertThat(http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)).body()).isEqualTo("{\"n\":2}");
        assertThat(connections.get()).isEqualTo(2);
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void readsChunkedAnswersAndProblemStatuses() throws IOException {
        Http1 http = start((n, head, body) -> n == 1
                ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n5;x=y\r\n:[1]}\r\n0\r\n\r\n"
                : "HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", false);
        assertThat(http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)).body()).isEqualTo("{\"a\":[1]}");
        Http1.Response conflict = http.post("/a", Map.of(), "{}", Duration.ofSeconds(5));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body()).isEqualTo("{}");
        assertThat(connections.get()).isEqualTo(1);
        http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)); // "Connection: close" was honoured
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        Http1 http = start((n, head, body) -> null, false);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> http.post("/a", Map.of(), "{}", Duration.ofMillis(300)))
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(requests.get()).isEqualTo(1); // a timeout is not resent here: the caller decides
    }

    @Test
    void bodilessStatusesAndMalformedLengths() throws IOException {
        Http1 http = start((n, head, body) -> switch (n) {
            case 1 -> "HTTP/1.1 204 No Content\r\n\r\n";
            case 2 -> "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}";
            default -> ok("{}");
        }, false);
        Http1.Response none = http.send("POST", "/a", Map.of(), "{}", Duration.ofSeconds(5));
        assertThat(none.status()).isEqualTo(204);
        assertThat(none.body()).isEmpty();
        assertThatThrownBy(() -> http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)))
                .isInstanceOf(IOException.class).hasMessageContaining("Content-Length");
        assertThat(http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)).body()).isEqualTo("{}");
    }

    @Test
    void manyRequestsAtOnceGetAConnectionEach() throws Exception {
        int n = 40;
        CountDownLatch arrived = new CountDownLatch(n);
        Http1 http = start((i, head, body) -> {
            arrived.countDown();
            try {
                // true only if all n requests were under way at once, each on its own connection;
                // the first to give up lets the others go at once
                boolean together = arrived.await(20, TimeUnit.SECONDS);
                while (arrived.getCount() > 0) {
                    arrived.countDown();
                }
                return ok("{\"together\":" + together + "}");
            } catch (InterruptedException e) {
                return null;
            }
        }, false);
        List<Future<Http1.Response>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                answers.add(threads.submit(() -> http.post("/a", Map.of(), "{}", Duration.ofSeconds(30))));
            }
        }
        for (Future<Http1.Response> a : answers) {
            assertThat(a.get().body()).isEqualTo("{\"together\":true}");
        }
        assertThat(connections.get()).isEqualTo(n);
    }

    @Test
    void aRefusedConnectionSurfacesAsConnectException() throws IOException {
        server = new ServerSocket(0);
        int port = server.getLocalPort();
        server.close();
        Http1 http = new Http1(URI.create("http://127.0.0.1:" + port + "/"));
        assertThatThrownBy(() -> http.post("/a", Map.of(), "{}", Duration.ofSeconds(5)))
                .isInstanceOf(ConnectException.class);
    }

    /**
     * The completions sender survives answers it cannot use: a malformed one is resent by the
     * sender itself; one that does not match the request item for item is not trusted, and the
     * job waiting on it is told to resend (Unavailable); the next completion still goes through.
     */
    @Test
    void aBadCompletionsAnswerDoesNotStopTheSender() throws Exception {
        start((n, head, body) -> switch (n) {
            case 1 -> "HTTP/1.1 200 OK\r\nContent-Length: nonsense\r\n\r\n";
            case 2 -> ok("{\"items\":[{\"id\":\"8\",\"status\":200}]}");
            default -> ok("{\"items\":[{\"id\":\"7\",\"status\":200}]}");
        }, false);
        BatonClient client = new BatonClient(List.of(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/")), "t");
        try (Completions completions = new Completions(client)) {
            assertThatThrownBy(() -> completions.complete("7", "lease", null)).isInstanceOf(BatonClient.Unavailable.class);
            completions.complete("7", "lease", null); // answered 200 (without a job: return=minimal)
            assertThat(requests.get()).isEqualTo(3);
            assertThat(heads.get(2)).contains("Prefer: return=minimal");
        }
    }
}
