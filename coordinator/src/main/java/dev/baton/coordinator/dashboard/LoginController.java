package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.auth.Anonymous;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/** Logging in with a token (a form, never a URL: a token in a URL would end up in logs and history) and out. */
@Controller("/ui")
@Requires(condition = DashboardOn.class)
@ExecuteOn(TaskExecutors.BLOCKING)
public final class LoginController {
    private final Sessions sessions;
    private final SessionCookie cookie;
    private final Pages pages;

    public LoginController(Sessions sessions, SessionCookie cookie, Pages pages) {
        this.sessions = sessions;
        this.cookie = cookie;
        this.pages = pages;
    }

    @Get("/login")
    @Anonymous
    public HttpResponse<?> form(HttpRequest<?> request) {
        if (sessions.find(SessionCookie.read(request)) != null) {
            return HttpResponse.seeOther(URI.create("/ui"));
        }
        return loginPage(HttpStatus.OK, null);
    }

    @Post(value = "/login", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> login(HttpRequest<?> request, @Nullable @Body Map<String, String> form) {
        try {
            Sessions.Opened opened = sessions.login(form == null ? null : form.get("token"));
            sessions.logout(SessionCookie.read(request)); // a login replaces the browser's session, never adds one
            return HttpResponse.seeOther(URI.create("/ui")).cookie(cookie.open(opened.id()));
        } catch (BatonException e) {
            if (e.code() != ErrorCode.UNAUTHENTICATED) {
                throw e;
            }
            return loginPage(HttpStatus.UNAUTHORIZED, "That token was not accepted: it is unknown, revoked or expired.");
        }
    }

    /** Any session may log out; the guard has checked its CSRF token. */
    @Post(value = "/logout", consumes = MediaType.APPLICATION_FORM_URLENCODED)
    @Anonymous
    public HttpResponse<?> logout(HttpRequest<?> request) {
        sessions.logout(SessionCookie.read(request));
        return HttpResponse.seeOther(URI.create(UiGuard.LOGIN)).cookie(cookie.cleared());
    }

    private HttpResponse<?> loginPage(HttpStatus status, String error) {
        Map<String, Object> params = new HashMap<>();
        params.put("frame", Frame.ANONYMOUS);
        params.put("error", error);
        return pages.page(status, "login", params);
    }
}
