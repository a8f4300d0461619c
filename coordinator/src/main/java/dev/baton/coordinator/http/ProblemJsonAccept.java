package dev.baton.coordinator.http;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.annotation.PreMatching;

/**
 * A client that accepts {@code application/problem+json} accepts this API's answers, whatever
 * the route produces. Generated clients send it as their whole {@code Accept} on routes that
 * declare no content of their own (a DELETE's 204, {@code /prometheus}, the log stream), and the
 * router, which matches routes by the types they produce, answered them 406. Runs before the
 * route is chosen; an {@code Accept} naming only types Baton never produces is still 406.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class ProblemJsonAccept {
    private static final MediaType PROBLEM_JSON = MediaType.of(Problems.PROBLEM_JSON);

    @PreMatching
    @RequestFilter
    public HttpRequest<?> acceptAnswersOfEveryRoute(HttpRequest<?> request) {
        if (!request.accept().contains(PROBLEM_JSON)) {
            return request;
        }
        MutableHttpRequest<?> widened = request instanceof MutableHttpRequest<?> m ? m : request.mutate();
        widened.getHeaders().add(HttpHeaders.ACCEPT, "*/*;q=0.1");
        return widened;
    }
}
