package dev.baton.coordinator.http;

import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.auth.Tokens;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.RouteInfo;
import io.micronaut.web.router.Router;
import io.micronaut.web.router.UriRouteMatch;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token authentication against the roles each route declares ({@link Allowed},
 * {@link Anonymous}; neither means admin-only): 401 without a known, unexpired token, 403 for the
 * wrong role. The {@link Caller} (the token's name, role and queue scopes) goes on the request for
 * the routes. Only a token's name is ever logged, never the token.
 * Runs after routing, so it reads the matched route. A management endpoint ({@code /prometheus})
 * declares nothing and is admin-only.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class AuthFilter implements Ordered {
    private static final Logger LOG = LoggerFactory.getLogger(AuthFilter.class);
    private static final Set<Role> ADMIN_ONLY = EnumSet.of(Role.ADMIN);
    private static final Set<Role> ANY = EnumSet.allOf(Role.class);
    private final Tokens tokens;
    /** Looked up when first needed: the router is built from the filters, this one among them. */
    private final BeanProvider<Router> router;

    public AuthFilter(Tokens tokens, BeanProvider<Router> router) {
        this.tokens = tokens;
        this.router = router;
    }

    /** Blocking: a token that is not an environment token is looked up in the database. */
    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        Set<Role> allowed = allowed(request);
        if (allowed == null) {
            return null;
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return Problems.of(request, ErrorCode.UNAUTHENTICATED, "send Authorization: Bearer <token>")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        Caller caller;
        try {
            caller = tokens.authenticate(header.substring(7).trim());
        } catch (BatonException e) {
            MutableHttpResponse<String> refusal = Problems.of(request, e);
            return e.code() == ErrorCode.UNAUTHENTICATED
                    ? refusal.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                    : refusal; // 503: the database, which holds the API tokens, cannot be asked
        }
        if (!allowed.contains(caller.role())) {
            request.setAttribute(Caller.ATTRIBUTE, caller); // only for the refusal's line to name it
            return Problems.of(request, ErrorCode.FORBIDDEN, "the " + caller.role().wire() + " role may not call "
                    + request.getMethod() + " " + request.getPath());
        }
        LOG.debug("{} {} by {} ({})", request.getMethod(), request.getPath(), caller.name(), caller.role().wire());
        request.setAttribute(Caller.ATTRIBUTE, caller);
        request.setAttribute(Caller.VALIDITY_ATTRIBUTE, tokens.stillValid(header.substring(7).trim()));
        return null;
    }

    /** The roles that may send {@code request}; null when it needs no token. */
    private Set<Role> allowed(HttpRequest<?> request) {
        Optional<RouteInfo<?>> matched = RouteAttributes.getRouteInfo(request);
        if (matched.isPresent()) {
            return declared(matched.get().getAnnotationMetadata());
        }
        // No route takes the request as sent, and the framework will refuse it (404, 405, 415, 406).
        // A route of the same method and path (a 415 or 406) says who may hear that; a path whose
        // every route is anonymous (POST /health) needs no token; any other GET may learn that
        // nothing is there; anything else is admin-only.
        List<UriRouteMatch<Object, Object>> samePath = router.get().findAny(request);
        for (UriRouteMatch<Object, Object> m : samePath) {
            if (m.getRouteInfo().getHttpMethod() == request.getMethod()) {
                return declared(m.getRouteInfo().getAnnotationMetadata());
            }
        }
        boolean anonymousPath = !samePath.isEmpty() && samePath.stream()
                .allMatch(m -> m.getRouteInfo().getAnnotationMetadata().hasAnnotation(Anonymous.class));
        if (anonymousPath) {
            return null;
        }
        return request.getMethod() == HttpMethod.GET || request.getMethod() == HttpMethod.HEAD ? ANY : ADMIN_ONLY;
    }

    /** What a route declares: null for {@link Anonymous}, admin-only for nothing. */
    static Set<Role> declared(AnnotationMetadata route) {
        if (route.hasAnnotation(Anonymous.class)) {
            return null;
        }
        Role[] roles = route.enumValues(Allowed.class, Role.class);
        return roles.length == 0 ? ADMIN_ONLY : EnumSet.copyOf(Arrays.asList(roles));
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }
}
