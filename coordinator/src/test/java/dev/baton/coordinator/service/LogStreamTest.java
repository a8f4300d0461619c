package dev.baton.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.service.RunningJobs.Lease;
import dev.baton.coordinator.testing.Api;
import dev.baton.coordinator.testing.TestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /jobs/{id}/logs/stream: stored lines, then new ones, then the end, read as a plain HTTP client would. */
class LogStreamTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(LogStreamTest.class, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** One Server-Sent Event as the EventSource algorithm assembles it. */
    record SseEvent(String id, String name, String data) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Reads the stream on a thread of its own; the test takes events with a deadline. */
    static final class Sse implements AutoCloseable {
        private static final Object CLOSED = new Object();
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final Stream<String> lines;
        final HttpResponse<Stream<String>> response;

        Sse(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.lines = response.body();
            Thread.ofVirtual().start(this::read);
        }

        private void read() {
            String id = null;
            String name = null;
            StringBuilder data = null;
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        // EventSource dispatches nothing for an empty data buffer (keep-alives).
                        if (data != null && (data.length() > 0 || name != null)) {
                            received.add(new SseEvent(id, name, data.toString()));
                        }
                        id = null;
                        name = null;
                        data = null;
                    } else if (line.startsWith(":")) {
                        continue;
                    } else if (line.startsWith("id:")) {
                        id = value(line, 3);
                    } else if (line.startsWith("event:")) {
                        name = value(line, 6);
                    } else if (line.startsWith("data:")) {
                        data = data == null ? new StringBuilder() : data.append('\n');
                        data.append(value(line, 5));
                    }
                }
            } catch (RuntimeException closedByTheTest) {
                // the test closed the stream
            } finally {
                received.add(CLOSED);
            }
        }

        private static String value(String line, int from) {
            return line.startsWith(" ", from) ? line.substring(from + 1) : line.substring(from);
        }

        SseEvent next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                fail("no event within 10 s");
            }
            if (o == CLOSED) {
                fail("the stream closed");
            }
            return (SseEvent) o;
        }

        List<SseEvent> lines(int n) throws InterruptedException {
            List<SseEvent> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(next());
            }
            return out;
        }

        void assertClosed() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            assertThat(o).as("the stream should have ended, got %s", o).isSameAs(CLOSED);
        }

        @Override
        public void close() {
            lines.close();
        }
    }

    static HttpResponse<Stream<String>> request(int coordinator, String path, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.coordinator(coordinator).port() + path))
                .header("Authorization", "Bearer " + Api.PRODUCER).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        try {
            return CLIENT.send(b.GET().build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Sse open(int coordinator, Lease lease, String query, String lastEventId) {
        HttpResponse<Stream<String>> r = request(coordinator, RunningJobs.jobPath(lease, "/logs/stream") + query, lastEventId);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        return new Sse(r);
    }

    static void append(int coordinator, Lease lease, int fromSeq, int toSeq) {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int seq = fromSeq; seq <= toSeq; seq++) {
            entries.add(Map.of("seq", seq, "level", "info", "message", "line " + seq));
        }
        Api.Resp r = cluster.api(coordinator).post(RunningJobs.jobPath(lease, "/logs"), Api.WORKER,
                Map.of("leaseToken", lease.token(), "entries", entries));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void deliversStoredLinesThenNewOnesThenEndsWhenTheJobCompletes() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        append(0, lease, 1, 3);
        try (Sse sse = open(1, lease, "", null)) {
            List<SseEvent> stored = sse.lines(3);
            assertThat(stored).extracting(e -> e.json().path("seq").asInt()).containsExactly(1, 2, 3);
            assertThat(stored).allSatisfy(e -> assertThat(e.name()).isNull());
            // An event's id is the page cursor after its line.
            Api.Resp page = cluster.api().get(RunningJobs.jobPath(lease, "/logs?after=" + stored.get(1).id()), Api.PRODUCER);
            assertThat(page.body().path("items")).extracting(n -> n.path("seq").asInt()).containsExactly(3);

            append(0, lease, 4, 6);
            assertThat(sse.lines(3)).extracting(e -> e.json().path("message").asText())
                    .containsExactly("line 4", "line 5", "line 6");

            String exact = "two\nlines \u001b[32mgreen\u001b[0m\r\n";
            Api.Resp r = cluster.api(1).post(RunningJobs.jobPath(lease, "/logs"), Api.WORKER, Map.of(
                    "leaseToken", lease.token(), "entries", List.of(Map.of("seq", 7, "level", "warn", "message", exact))));
            assertThat(r.status()).isEqualTo(200);
            SseEvent seven = sse.next();
            assertThat(seven.json().path("message").asText()).isEqualTo(exact);
            assertThat(seven.json().path("level").asText()).isEqualTo("warn");
            assertThat(seven.json().path("attempt").asInt()).isEqualTo(1);

            // Lines appended just before the job completes still come before the end.
            append(0, lease, 8, 1000);
            append(1, lease, 1001, 1200);
            Api.Resp done = cluster.api().post(RunningJobs.jobPath(lease, "/complete"), Api.WORKER,
                    Map.of("leaseToken", lease.token(), "result", Map.of()));
            assertThat(done.status()).isEqualTo(200);
            List<SseEvent> rest = sse.lines(1200 - 7);
            for (int i = 0; i < rest.size(); i++) {
                assertThat(rest.get(i).json().path("seq").asInt()).isEqualTo(8 + i);
            }
            SseEvent end = sse.next();
            assertThat(end.name()).isEqualTo("end");
            assertThat(end.json().path("status").asText()).isEqualTo("succeeded");
            sse.assertClosed();
        }
    }

    /**
     * Two appends that commit out of order while a follower streams (see LogsTest's page version):
     * the first (seqs 1, 2) is held open by an uncommitted line a test transaction put under seq
     * 1, the second (seq 3) is sent meanwhile. The follower must deliver all three lines before
     * the end, whatever it saw while the first was open.
     */
    @Test
    void aFollowerNeverPassesALineThatCommitsLater() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Sse sse = open(1, lease, "", null); Connection holder = cluster.sql()) {
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("insert into job_logs (job_id, attempt, seq, level, "
                    + "message, position) values (?, 1, 1, 'info', 'placeholder', -1)")) {
                ps.setLong(1, lease.idLong());
                ps.executeUpdate();
            }
            Future<?> slow = pool.submit(() -> append(0, lease, 1, 2));
            awaitTrue("the first append waiting", () -> waitingOnLocks() >= 1);
            Future<?> fast = pool.submit(() -> append(1, lease, 3, 3));
            awaitTrue("the second append done or waiting", () -> fast.isDone() || waitingOnLocks() >= 2);
            // No signal says the follower has polled since: give it a few of its 200 ms polls,
            // watching for what it sends meanwhile (before the fix: line 3, and its cursor past 1 and 2).
            List<SseEvent> seen = new ArrayList<>();
            Object early = sse.received.poll(1, TimeUnit.SECONDS);
            if (early instanceof SseEvent e) {
                seen.add(e);
            }
            holder.rollback();
            slow.get(30, TimeUnit.SECONDS);
            fast.get(30, TimeUnit.SECONDS);
            Api.Resp done = cluster.api().post(RunningJobs.jobPath(lease, "/complete"), Api.WORKER,
                    Map.of("leaseToken", lease.token(), "result", Map.of()));
            assertThat(done.status()).isEqualTo(200);
            for (SseEvent e = sse.next(); e.name() == null; e = sse.next()) {
                seen.add(e);
            }
            assertThat(seen).extracting(e -> e.json().path("seq").asInt()).containsExactlyInAnyOrder(1, 2, 3);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long waitingOnLocks() {
        return cluster.queryLong("select count(*) from pg_stat_activity where datname = current_database() "
                + "and wait_event_type = 'Lock'");
    }

    @Test
    void resumesFromLastEventIdOrAfterAndEndsAtOnceForAFinishedJob() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        append(1, lease, 1, 5);
        String afterTwo;
        try (Sse sse = open(0, lease, "", null)) {
            afterTwo = sse.lines(2).get(1).id();
        }
        assertThat(cluster.api().post(RunningJobs.jobPath(lease, "/cancel"), Api.ADMIN, Map.of()).status()).isEqualTo(200);
        try (Sse sse = open(1, lease, "", afterTwo)) {
            assertThat(sse.lines(3)).extracting(e -> e.json().path("seq").asInt()).containsExactly(3, 4, 5);
            SseEvent end = sse.next();
            assertThat(end.name()).isEqualTo("end");
            assertThat(end.json().path("status").asText()).isEqualTo("cancelled");
            sse.assertClosed();
        }
        try (Sse sse = open(0, lease, "?after=" + afterTwo, null)) {
            assertThat(sse.lines(3)).extracting(e -> e.json().path("seq").asInt()).containsExactly(3, 4, 5);
            assertThat(sse.next().name()).isEqualTo("end");
            sse.assertClosed();
        }
    }

    @Test
    void aClientThatGoesAwayStopsThePolling() throws Exception {
        Lease lease = RunningJobs.start(cluster.api());
        LogTail tail = cluster.coordinator(0).context().getBean(LogTail.class);
        List<Sse> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            streams.add(open(0, lease, "", null));
        }
        awaitTrue("five followers running", () -> tail.following() == 5);
        append(1, lease, 1, 1);
        for (Sse sse : streams) {
            assertThat(sse.next().json().path("seq").asInt()).isEqualTo(1);
            sse.close();
        }
        awaitTrue("every follower stopped", () -> tail.following() == 0);
    }

    @Test
    void unknownJobsAndForgedCursorsAreRefusedBeforeTheStreamOpens() {
        HttpResponse<Stream<String>> missing = request(0, "/api/v1/jobs/999999999/logs/stream", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(String.join("\n", missing.body().toList())).contains("\"code\":\"not_found\"");
        Lease lease = RunningJobs.start(cluster.api());
        HttpResponse<Stream<String>> forged = request(1, RunningJobs.jobPath(lease, "/logs/stream"), "bDp4");
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(String.join("\n", forged.body().toList())).contains("Last-Event-ID");
        HttpResponse<Stream<String>> badAfter = request(1, RunningJobs.jobPath(lease, "/logs/stream?after=x"), null);
        assertThat(badAfter.statusCode()).isEqualTo(400);
        badAfter.body().close();
    }
}
