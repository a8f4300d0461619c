package dev.baton.coordinator.http;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.RouteInfo;
import java.util.List;

/**
 * A HEAD answer carries the {@code Content-Type} its GET would (RFC 9110 §9.3.2). The framework
 * writes no body for a HEAD, so the body writer that sets the type of a wire record
 * ({@link ResponseJsonWriter}) is never called for one: the type is taken here from what the
 * matched route produces (a route of one type: JSON, YAML, the log stream's events).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class HeadContentType {
    @ResponseFilter
    public void contentTypeOfTheGet(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (request.getMethod() != HttpMethod.HEAD || response.getContentType().isPresent()) {
            return;
        }
        RouteAttributes.getRouteInfo(response).or(() -> RouteAttributes.getRouteInfo(request))
                .map(RouteInfo::getProduces)
                .filter(produced -> produced.size() == 1)
                .map(List::getFirst)
                .ifPresent(response::contentType);
    }
}
