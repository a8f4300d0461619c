package dev.baton.coordinator.http;

import dev.baton.coordinator.auth.AccessRules;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.auth.Tokens;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.Optional;
import java.util.Set;

/** Bearer-token authentication and the role table: 401 without a known token, 403 for the wrong role. */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class AuthFilter implements Ordered {
    public static final String ROLE_ATTRIBUTE = "baton.role";
    private final Tokens tokens;

    public AuthFilter(Tokens tokens) {
        this.tokens = tokens;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        Set<Role> allowed = AccessRules.allowed(request.getMethod(), request.getPath());
        if (allowed == null) {
            return null;
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            return Problems.of(ErrorCode.UNAUTHENTICATED, "send Authorization: Bearer <token>")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        Optional<Role> role = tokens.roleOf(header.substring(7).trim());
        if (role.isEmpty()) {
            return Problems.of(ErrorCode.UNAUTHENTICATED, "unknown token")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        }
        if (!allowed.contains(role.get())) {
            return Problems.of(ErrorCode.FORBIDDEN, "the " + role.get().wire() + " role may not call "
                    + request.getMethod() + " " + request.getPath());
        }
        request.setAttribute(ROLE_ATTRIBUTE, role.get());
        return null;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }
}
