package dev.baton.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Job;
import dev.baton.common.Json;
import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.common.config.Redaction;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * docs/protocol.md's worker endpoints (and enqueue) over HTTP, with fail-over between coordinators:
 * a network error or a 5xx moves this client to the next URL and surfaces as {@link Unavailable},
 * which callers retry; a 409 surfaces as {@link Conflict} carrying the job's current state.
 */
public final class BatonClient {
    private static final Logger LOG = LoggerFactory.getLogger(BatonClient.class);
    private static final Duration FAILOVER_LOG_EVERY = Duration.ofSeconds(10);
    // Whether OpenTelemetry's API is on the class path: then an enqueue carries the current span.
    private static final boolean OPENTELEMETRY = present("io.opentelemetry.context.Context");
    private final List<URI> bases;
    private final String token;
    private final List<Http1> http;
    private final AtomicInteger current = new AtomicInteger();
    private final WorkerMetrics metrics;
    /** When a fail-over was last logged at WARN; at first long enough ago for the first to be. */
    private final AtomicLong failoverLogged = new AtomicLong(System.nanoTime() - FAILOVER_LOG_EVERY.toNanos());
    private final AtomicInteger failoversNotLogged = new AtomicInteger();

    public BatonClient(List<URI> bases, String token) {
        this(bases, token, null);
    }

    /** {@code tls} is how {@code https://} URLs are spoken (null: the JDK's defaults). */
    public BatonClient(List<URI> bases, String token, ClientTls tls) {
        this(bases, token, tls, WorkerMetrics.NONE);
    }

    BatonClient(List<URI> bases, String token, ClientTls tls, WorkerMetrics metrics) {
        this.metrics = metrics;
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("at least one coordinator URL is needed");
        }
        this.bases = List.copyOf(bases);
        this.token = token;
        this.http = this.bases.stream().map(base -> new Http1(base, tls)).toList();
    }

    /** A refusal by the coordinator that is not a conflict: a bug or a limit; retrying will not help. */
    public static final class Rejected extends RuntimeException {
        public final int status;
        public final String code;

        Rejected(int status, String code, String detail) {
            super(status + " " + code + ": " + detail);
            this.status = status;
            this.code = code;
        }
    }

    /** 409: {@code lease_lost} or {@code version_conflict}, with the job as it is now. */
    public static final class Conflict extends RuntimeException {
        public final String code;
        public final Job job;

        Conflict(String code, String detail, Job job) {
            super(code + ": " + detail);
            this.code = code;
            this.job = job;
        }

        public boolean leaseLost() {
            return "lease_lost".equals(code) || "not_found".equals(code);
        }
    }

    /** No coordinator answered usefully (network error, 5xx): retry, usually through the next URL. */
    public static class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A coordinator's TLS refused by this worker or this worker's by it ({@link Http1.TlsRefused}):
     * unavailable like any unreachable coordinator (the next URL is tried), but a configuration
     * error, which callers report as one instead of as a passing outage.
     */
    public static final class Misconfigured extends Unavailable {
        Misconfigured(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * {@code POST /jobs}: the new job, or the queued or running one its uniqueKey names. Inside a
     * valid OpenTelemetry span (its API on the class path, {@code Context.current()}), the job is
     * enqueued under that span's W3C trace context. Sent once: after {@link Unavailable} the job
     * may or may not have been enqueued (give it a uniqueKey to resend safely).
     */
    public Job enqueue(Requests.Enqueue job) {
        return post("/api/v1/jobs", job, Job.class, Duration.ofSeconds(10),
                OPENTELEMETRY ? OpenTelemetryJobTracing.currentContext() : Map.of());
    }

    public List<Job> claim(Requests.Claim request) {
        return claimCarrying(request).jobs();
    }

    /**
     * A claim that may carry completions ({@code request.completions()}): the answer holds the
     * claimed jobs and, item for item, the carried completions' answers (with {@code Prefer:
     * return=minimal}, a completion that succeeded carries no job). After {@link Unavailable} the
     * completions may or may not have been applied: send them again (they are idempotent).
     */
    public Responses.Jobs claimCarrying(Requests.Claim request) {
        Duration timeout = Duration.ofMillis(request.waitMs() == null ? 0 : request.waitMs()).plusSeconds(15);
        int carried = request.completions() == null ? 0 : request.completions().size();
        Responses.Jobs answer = post("/api/v1/claims", request, Responses.Jobs.class, timeout.plusSeconds(carried / 50),
                carried == 0 ? Map.of() : Map.of("Prefer", "return=minimal"));
        if (answer.jobs() == null) {
            throw new Unavailable("a claim answer without jobs", null);
        }
        return answer;
    }

    public Responses.HeartbeatAnswer heartbeat(String id, Requests.Heartbeat request) {
        return post("/api/v1/jobs/" + id + "/heartbeat", request, Responses.HeartbeatAnswer.class, Duration.ofSeconds(10));
    }

    public Responses.VersionAnswer progress(String id, Requests.ProgressUpdate request) {
        return post("/api/v1/jobs/" + id + "/progress", request, Responses.VersionAnswer.class, Duration.ofSeconds(10));
    }

    public Responses.LogAppendAnswer logs(String id, Requests.LogAppend request) {
        return post("/api/v1/jobs/" + id + "/logs", request, Responses.LogAppendAnswer.class, Duration.ofSeconds(10));
    }

    public Job complete(String id, Requests.Complete request) {
        return post("/api/v1/jobs/" + id + "/complete", request, Job.class, Duration.ofSeconds(10));
    }

    /**
     * Many completions in one request; each answer is what that item's own complete would be,
     * except that (with {@code Prefer: return=minimal}) an item that succeeded carries no job.
     */
    public List<Responses.CompletionResult> completions(Requests.Completions request) {
        List<Responses.CompletionResult> items = post("/api/v1/completions", request,
                Responses.CompletionResults.class, Duration.ofSeconds(10 + request.items().size() / 50),
                Map.of("Prefer", "return=minimal")).items();
        if (items == null) {
            throw new Unavailable("a completions answer without items", null);
        }
        return items;
    }

    public Job fail(String id, Requests.Fail request) {
        return post("/api/v1/jobs/" + id + "/fail", request, Job.class, Duration.ofSeconds(10));
    }

    private <T> T post(String path, Object body, Class<T> answer, Duration timeout) {
        return post(path, body, answer, timeout, Map.of());
    }

    private <T> T post(String path, Object body, Class<T> answer, Duration timeout, Map<String, String> extraHeaders) {
        int raw = current.get();
        int index = Math.floorMod(raw, bases.size());
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.put("Authorization", "Bearer " + token);
        String target = bases.get(index).getRawPath().replaceAll("/+$", "") + path;
        Http1.Response response;
        try {
            response = http.get(index).post(target, headers, Json.write(body), timeout);
        } catch (IOException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new Unavailable("interrupted", e);
            }
            failOver(raw, e instanceof Http1.TlsRefused ? "its TLS was refused" : e.toString());
            if (e instanceof Http1.TlsRefused) {
                throw new Misconfigured(e.getMessage(), e);
            }
            throw new Unavailable("coordinator " + shown(index) + " unreachable: " + e, e);
        }
        int status = response.status();
        try {
            if (status == 200 || status == 201) {
                return Json.answers().forType(answer).readValue(response.body());
            }
            JsonNode problem = response.body().isEmpty() ? Json.mapper().createObjectNode()
                    : Json.mapper().readTree(response.body());
            String code = problem.path("code").asText("http_" + status);
            String detail = problem.path("detail").asText("");
            if (status == 409) {
                Job job = problem.hasNonNull("job") ? Json.answers().forType(Job.class).readValue(problem.get("job")) : null;
                throw new Conflict(code, detail, job);
            }
            if (status == 404 && path.startsWith("/api/v1/jobs/")) {
                throw new Conflict("not_found", detail, null);
            }
            if (status >= 500 || status == 429) {
                failOver(raw, "answered " + status + " " + code);
                throw new Unavailable("coordinator " + shown(index) + " answered " + status + " " + code, null);
            }
            throw new Rejected(status, code, detail);
        } catch (IOException e) {
            failOver(raw, "unreadable answer: " + e.getMessage());
            throw new Unavailable("unreadable answer from " + shown(index), e);
        }
    }

    /** Closes idle connections; requests still under way finish on theirs. */
    public void close() {
        http.forEach(Http1::close);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, BatonClient.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Moves to the next URL unless another request already did, and says so in one WARN line:
     * {@code coordinator http://baton-1:8080/ failed (java.net.ConnectException: Connection refused);
     * switching to http://baton-2:8080/}. While every coordinator is down each failed request moves
     * on, so a switch within {@link #FAILOVER_LOG_EVERY} of the last line is logged at DEBUG only
     * and counted in the next WARN line.
     */
    private void failOver(int failedRaw, String why) {
        if (current.compareAndSet(failedRaw, failedRaw + 1) && bases.size() > 1) {
            metrics.failover();
            String from = shown(Math.floorMod(failedRaw, bases.size()));
            String to = shown(Math.floorMod(failedRaw + 1, bases.size()));
            long now = System.nanoTime();
            long last = failoverLogged.get();
            if (now - last >= FAILOVER_LOG_EVERY.toNanos() && failoverLogged.compareAndSet(last, now)) {
                int more = failoversNotLogged.getAndSet(0);
                LOG.warn("coordinator {} failed ({}); switching to {}{}", from, why, to,
                        more == 0 ? "" : " (" + more + " more switch(es) since the last such line)");
            } else {
                failoversNotLogged.incrementAndGet();
                LOG.debug("coordinator {} failed ({}); switching to {}", from, why, to);
            }
        }
    }

    /** A coordinator's URL as logged: a password in it, if any, hidden. */
    private String shown(int index) {
        return Redaction.url(bases.get(index).toString());
    }
}
