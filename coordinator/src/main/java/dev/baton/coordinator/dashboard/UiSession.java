package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import io.micronaut.http.HttpRequest;

/**
 * A logged-in dashboard user: the caller its token names (asked again at each request) and the
 * session's CSRF token. Only an admin may change anything, as in the API, whose every change
 * (cancel, retry, edit, queue settings) is admin-only; every other role only looks.
 */
public record UiSession(Caller caller, String csrfToken) {
    static final String ATTRIBUTE = "baton.ui.session";

    public boolean mayChange() {
        return caller.role() == Role.ADMIN;
    }

    /** The session the guard put on {@code request}. */
    static UiSession of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, UiSession.class)
                .orElseThrow(() -> new IllegalStateException("no dashboard session on " + request.getPath()));
    }
}
