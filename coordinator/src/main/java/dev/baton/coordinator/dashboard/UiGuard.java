package dev.baton.coordinator.dashboard;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.Router;
import java.net.URI;

/**
 * Every request under /ui passes here before its route: static files pass; an unknown page is a
 * 404 page; a state change (anything but GET and HEAD) must come from the dashboard's own pages
 * ({@link SameOrigin}); the login page needs no session, every other page one
 * ({@link Sessions}: a GET without one is sent to the login page); and a state change must carry
 * the session's {@link CsrfToken} and, but for logging out, come from a role that may change
 * things. The dashboard's routes are {@code @Anonymous} to the API's bearer-token filter: this
 * one is their authentication.
 */
@ServerFilter({"/ui", "/ui/**"})
@Requires(condition = DashboardOn.class)
public final class UiGuard implements Ordered {
    static final String LOGIN = "/ui/login";
    static final String LOGOUT = "/ui/logout";
    /** The header dashboard.js puts on a request the page makes by itself, not the user. */
    static final String BACKGROUND = "X-Baton-Background";
    static final int ORDER = ServerFilterPhase.SECURITY.order() - 10;
    private final Sessions sessions;
    private final Pages pages;
    private final BeanProvider<Router> router;

    public UiGuard(Sessions sessions, Pages pages, BeanProvider<Router> router) {
        this.sessions = sessions;
        this.pages = pages;
        this.router = router;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> guard(HttpRequest<?> request, @Nullable @Body String body) {
        String path = request.getPath();
        if (path.startsWith("/ui/static/")) {
            return null;
        }
        if (RouteAttributes.getRouteInfo(request).isEmpty() && router.get().findAny(request).isEmpty()) {
            return pages.refusal(HttpStatus.NOT_FOUND, "Not found", "The dashboard has no page at this address.", null);
        }
        boolean change = request.getMethod() != HttpMethod.GET && request.getMethod() != HttpMethod.HEAD;
        if (change && !SameOrigin.holds(request)) {
            return pages.refusal(HttpStatus.FORBIDDEN, "Refused", "This request did not come from the dashboard's "
                    + "own pages, so it was not carried out.", null);
        }
        if (path.equals(LOGIN)) {
            return null;
        }
        // A refresh the page makes by itself (dashboard.js marks it) finds the session without using it.
        UiSession session = sessions.find(SessionCookie.read(request), !request.getHeaders().contains(BACKGROUND));
        if (session == null) {
            return change
                    ? pages.refusal(HttpStatus.FORBIDDEN, "Logged out", "Your session has ended: log in again.", null)
                    : toLogin(request);
        }
        if (change) {
            String sent = request.getHeaders().get(CsrfToken.HEADER);
            if (!CsrfToken.matches(session.csrfToken(), sent != null ? sent : CsrfToken.fromForm(body))) {
                return pages.refusal(HttpStatus.FORBIDDEN, "Refused", "This form lacked its security token, so it "
                        + "was not carried out. Reload the page and try again.", Frame.of(session, ""));
            }
            if (!path.equals(LOGOUT) && !session.mayChange()) {
                return pages.refusal(HttpStatus.FORBIDDEN, "Read-only", "The " + session.caller().role().wire()
                        + " role can look at everything but change nothing.", Frame.of(session, ""));
            }
        }
        request.setAttribute(UiSession.ATTRIBUTE, session);
        return null;
    }

    /** To the login page; an htmx request is told to go there as a whole page, not to swap the form in. */
    private static HttpResponse<?> toLogin(HttpRequest<?> request) {
        if (request.getHeaders().contains("HX-Request")) {
            return HttpResponse.ok().header("HX-Redirect", LOGIN);
        }
        return HttpResponse.seeOther(URI.create(LOGIN));
    }

    /** Before the API's bearer-token filter, which lets the dashboard's anonymous routes through. */
    @Override
    public int getOrder() {
        return ORDER;
    }
}
