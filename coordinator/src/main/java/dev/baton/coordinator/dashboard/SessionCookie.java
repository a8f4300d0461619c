package dev.baton.coordinator.dashboard;

import dev.baton.coordinator.config.Settings;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import jakarta.inject.Singleton;

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
 * it), Path=/ui (the API never sees it), Secure when the coordinator serves TLS. No Max-Age: it
 * goes with the browser, and the database decides when the session ends.
 */
@Singleton
@Requires(condition = DashboardOn.class)
public final class SessionCookie {
    public static final String NAME = "baton_session";
    private final boolean secure;

    public SessionCookie(Settings settings) {
        this.secure = settings.tls().enabled();
    }

    public Cookie open(String sessionId) {
        return base(sessionId);
    }

    /** The cookie that makes the browser forget the session. */
    public Cookie cleared() {
        return base("").maxAge(0);
    }

    private Cookie base(String value) {
        return Cookie.of(NAME, value).httpOnly(true).sameSite(SameSite.Strict).path("/ui").secure(secure);
    }

    /** The session id {@code request} carries, or null. */
    public static String read(HttpRequest<?> request) {
        return request.getCookies().findCookie(NAME).map(Cookie::getValue).orElse(null);
    }
}
