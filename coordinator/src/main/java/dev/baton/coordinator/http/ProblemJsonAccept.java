package dev.baton.coordinator.http;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.annotation.PreMatching;
import io.micronaut.http.server.exceptions.NotAcceptableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A client that accepts {@code application/problem+json} accepts this API's answers, whatever
 * the route produces. Generated clients send it as their whole {@code Accept} on routes that
 * declare no content of their own (a DELETE's 204, {@code /prometheus}, the log stream), and the
 * router, which matches routes by the types they produce, answered them 406. Runs before the
 * route is chosen; an {@code Accept} naming only types Baton never produces is still 406. A range
 * ({@code application/*}, {@code text/*}) covers the types of its kind that Baton produces.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class ProblemJsonAccept {
    private static final MediaType PROBLEM_JSON = MediaType.of(Problems.PROBLEM_JSON);

    /** Every type a route of Baton answers in. */
    private static final List<MediaType> PRODUCED = List.of(MediaType.APPLICATION_JSON_TYPE, PROBLEM_JSON,
            MediaType.of("application/yaml"), MediaType.TEXT_PLAIN_TYPE, MediaType.TEXT_EVENT_STREAM_TYPE);

    @PreMatching
    @RequestFilter
    public HttpRequest<?> acceptAnswersOfEveryRoute(HttpRequest<?> request) {
        Collection<MediaType> accepted = request.accept();
        // q=0 means "not this" (RFC 9110 §12.4.2), but the router matched such a type as wanted.
        List<MediaType> wanted = accepted.stream().filter(t -> t.getQualityAsNumber().signum() > 0).toList();
        if (wanted.isEmpty() && !accepted.isEmpty()) {
            throw new NotAcceptableException(accepted.stream().map(MediaType::toString).toList(),
                    PRODUCED.stream().map(MediaType::getName).toList());
        }
        List<String> added = new ArrayList<>();
        if (wanted.contains(PROBLEM_JSON)) {
            added.add("*/*;q=0.1");
        }
        // The router matches Accept by exact type only, so application/* was 406 on a JSON route:
        // a range names here the types it covers (RFC 9110 §12.5.1).
        for (MediaType range : wanted) {
            if (!range.getType().equals("*") && range.getSubtype().equals("*")) {
                PRODUCED.stream().filter(p -> p.getType().equalsIgnoreCase(range.getType()))
                        .forEach(p -> added.add(p.getName()));
            }
        }
        if (added.isEmpty() && wanted.size() == accepted.size()) {
            return request;
        }
        List<String> accept = new ArrayList<>(wanted.stream().map(MediaType::toString).toList());
        accept.addAll(added);
        // The server's request is not mutable, and the copy mutate() makes has lost its body on the
        // way to @Body (POST /jobs then saw {} and answered 400 "type is required"); its headers
        // are mutable in place.
        if (request.getHeaders() instanceof MutableHttpHeaders headers) {
            headers.remove(HttpHeaders.ACCEPT);
            accept.forEach(type -> headers.add(HttpHeaders.ACCEPT, type));
            return request;
        }
        MutableHttpRequest<?> widened = request instanceof MutableHttpRequest<?> m ? m : request.mutate();
        widened.getHeaders().remove(HttpHeaders.ACCEPT);
        accept.forEach(type -> widened.getHeaders().add(HttpHeaders.ACCEPT, type));
        return widened;
    }
}
