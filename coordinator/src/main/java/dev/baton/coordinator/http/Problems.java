package dev.baton.coordinator.http;

import dev.baton.common.Json;
import dev.baton.common.Responses.CompletionResult;
import dev.baton.common.Responses.FieldError;
import dev.baton.common.Responses.Problem;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Builds every error answer: application/problem+json, never a stack trace or SQL text. Every
 * refusal (a 4xx) is also logged here, once, as one WARN line without a stack trace:
 * <pre>
 * refused POST /api/v1/jobs/42/complete (job 42) by env:worker#1 from 10.0.0.7: 409 lease_lost: this lease is not held: …
 * refused GET /api/v1/jobs from 10.0.0.9: 401 unauthenticated: unknown token
 * </pre>
 * with {@code status}, {@code code} and {@code job} as key-value pairs (fields of their own in
 * JSON lines). What a client sent is never quoted: a 400 names only the fields it refused, since
 * their values may be anything, a token pasted in the wrong place included. A 5xx is logged where
 * it arises (a lost database at WARN, a bug at ERROR with its stack trace), not here.
 */
public final class Problems {
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    private static final Pattern JOB_PATH = Pattern.compile("^/api/v1/jobs/(\\d+)(?:/|$)");
    /** Refused items of a completions batch named one by one in its line; the rest are counted. */
    private static final int ITEMS_NAMED = 20;

    private Problems() {
    }

    public static MutableHttpResponse<String> of(HttpRequest<?> request, BatonException e) {
        ErrorCode code = e.code();
        if (code.status() < 500) {
            refused(request, e);
        }
        Problem p = new Problem("https://baton.dev/problems/" + code.code(), code.title(), code.status(),
                e.getMessage(), code.code(), e.job(), e.errors(), e.seqs());
        MutableHttpResponse<String> response = HttpResponse.<String>status(HttpStatus.valueOf(code.status()))
                .body(Json.write(p))
                .contentType(PROBLEM_JSON);
        if (code == ErrorCode.UNAVAILABLE) {
            response.header("Retry-After", "2");
        }
        return response;
    }

    public static MutableHttpResponse<String> of(HttpRequest<?> request, ErrorCode code, String detail) {
        return of(request, new BatonException(code, detail));
    }

    /**
     * The refused items of a {@code POST /completions} answered 200, in one line for the request:
     * {@code refused 2 of 50 completion(s) of POST /api/v1/completions by …: job 12 lease_lost, job 19 forbidden}.
     */
    public static void refusedItems(HttpRequest<?> request, List<CompletionResult> items) {
        List<CompletionResult> refused = items.stream().filter(i -> i.status() >= 400 && i.status() < 500).toList();
        if (refused.isEmpty() || !LOG.isWarnEnabled()) {
            return;
        }
        String named = refused.stream().limit(ITEMS_NAMED).map(i -> "job " + shown(i.id()) + " " + i.code())
                .collect(Collectors.joining(", "));
        LOG.atWarn().addKeyValue("refused", refused.size())
                .log("refused {} of {} completion(s) of {} {}{}: {}{}", refused.size(), items.size(),
                        request.getMethod(), oneLine(request.getPath(), 200), who(request), named,
                        refused.size() > ITEMS_NAMED ? " and " + (refused.size() - ITEMS_NAMED) + " more" : "");
    }

    private static void refused(HttpRequest<?> request, BatonException e) {
        if (!LOG.isWarnEnabled()) {
            return;
        }
        String job = e.job() != null ? e.job().id() : jobInPath(request.getPath());
        String why = e.code() == ErrorCode.INVALID_REQUEST ? fields(e.errors()) : e.getMessage();
        LoggingEventBuilder line = LOG.atWarn().addKeyValue("status", e.code().status()).addKeyValue("code", e.code().code());
        if (job != null) {
            line = line.addKeyValue("job", job);
        }
        line.log("refused {} {}{}{}: {} {}: {}", request.getMethod(), oneLine(request.getPath(), 200),
                job == null ? "" : " (job " + oneLine(job, 40) + ")", who(request), e.code().status(), e.code().code(),
                oneLine(why, 500));
    }

    /** The job a path names ({@code /api/v1/jobs/42/…}), or null. */
    static String jobInPath(String path) {
        Matcher m = JOB_PATH.matcher(path);
        return m.find() ? m.group(1) : null;
    }

    /** The token's name (never the token) when one was accepted, and the client's address. */
    private static String who(HttpRequest<?> request) {
        String by = request.getAttribute(Caller.ATTRIBUTE, Caller.class).map(c -> " by " + c.name()).orElse("");
        InetSocketAddress from = request.getRemoteAddress();
        return by + (from == null || from.getAddress() == null ? "" : " from " + from.getAddress().getHostAddress());
    }

    private static String fields(List<FieldError> errors) {
        if (errors == null || errors.isEmpty()) {
            return "invalid request";
        }
        return "invalid " + errors.stream().limit(10).map(f -> shown(f.field())).collect(Collectors.joining(", "))
                + (errors.size() > 10 ? " and " + (errors.size() - 10) + " more field(s)" : "");
    }

    private static String shown(String s) {
        return s == null ? "null" : oneLine(s, 40);
    }

    /**
     * {@code s} as one log line of at most {@code max} characters: what the client sent (a path, a
     * job id, a field name) cannot start a line of its own or write control characters into the
     * log; each is written as a backslash-u escape of four hex digits.
     */
    public static String oneLine(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        int i = 0;
        for (; i < s.length() && b.length() < max; i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || ch == 0x2028 || ch == 0x2029) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return i < s.length() ? b + "…" : b.toString();
    }
}
