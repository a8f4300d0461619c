package dev.baton.coordinator.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.common.Json;
import dev.baton.coordinator.http.Problems;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every answer under /ui carries: a strict Content-Security-Policy (scripts, styles and
 * connections from this origin only, no inline script or style, no framing, no base or foreign
 * form target), nosniff, no Referer to other sites, and no caching of pages. An error answered in the API's
 * problem+json (a refusal thrown by a service, a framework 404, 405, 413 or 415, a 503 while the
 * database is away) becomes a dashboard page with the same status and message.
 */
@ServerFilter({"/ui", "/ui/**"})
@Requires(condition = DashboardOn.class)
public final class UiHeaders implements Ordered {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    private static final Logger LOG = LoggerFactory.getLogger(UiHeaders.class);
    private final Pages pages;

    public UiHeaders(Pages pages) {
        this.pages = pages;
    }

    @ResponseFilter
    @SuppressWarnings("unchecked")
    public void secure(HttpRequest<?> request, MutableHttpResponse<?> response) {
        int status = response.getStatus().getCode();
        if (status >= 400 && status < 500 && isHtml(response)) {
            refused(request, status); // a refusal of the dashboard's own (an API one was logged where it was made)
        }
        if (status >= 400 && !isHtml(response)) {
            String page = pages.render("error", Map.of(
                    "frame", Frame.of(request.getAttribute(UiSession.ATTRIBUTE, UiSession.class).orElse(null), ""),
                    "status", status, "title", title(status), "message", status == 415
                            ? "The dashboard reads forms only as its own pages send them." : detail(response)));
            ((MutableHttpResponse<Object>) response).body(page).contentType(Pages.HTML);
            response.getHeaders().remove("Retry-After");
        }
        response.header("Content-Security-Policy", CSP);
        response.header("X-Content-Type-Options", "nosniff");
        // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with every
        // form post (Fetch, "append a request Origin header"), which Micronaut refuses outright and
        // which would leave SameOrigin nothing to compare. Other sites still get no Referer.
        response.header("Referrer-Policy", "same-origin");
        response.header("X-Frame-Options", "DENY");
        if (!request.getPath().startsWith("/ui/static/")) {
            response.header(HttpHeaders.CACHE_CONTROL, "no-store");
        }
    }

    /** One WARN line, as for the API's refusals: a failed login or a forged form leaves a trace. */
    private static void refused(HttpRequest<?> request, int status) {
        if (!LOG.isWarnEnabled()) {
            return;
        }
        String by = request.getAttribute(UiSession.ATTRIBUTE, UiSession.class).map(s -> " by " + s.caller().name()).orElse("");
        InetSocketAddress from = request.getRemoteAddress();
        LOG.atWarn().addKeyValue("status", status).log("refused {} {} (dashboard){}{}: {}", request.getMethod(),
                Problems.oneLine(request.getPath(), 200), by,
                from == null || from.getAddress() == null ? "" : " from " + from.getAddress().getHostAddress(), status);
    }

    /** Outside the guard, so that its refusals carry the headers too. */
    @Override
    public int getOrder() {
        return UiGuard.ORDER - 10;
    }

    private static boolean isHtml(MutableHttpResponse<?> response) {
        return response.getContentType().map(t -> t.getName().equals(MediaType.TEXT_HTML)).orElse(false);
    }

    /** The problem's detail, or a sentence for the status when the body says none. */
    private static String detail(MutableHttpResponse<?> response) {
        Optional<String> body = response.getBody(String.class);
        if (body.isPresent()) {
            try {
                JsonNode problem = Json.mapper().readTree(body.get());
                if (problem != null && problem.path("detail").isTextual()) {
                    return problem.path("detail").asText();
                }
            } catch (Exception notJson) {
                // fall through to the status's own sentence
            }
        }
        return title(response.getStatus().getCode());
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "That request could not be used";
            case 401 -> "Log in";
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            case 405 -> "Not possible here";
            case 409 -> "Conflict";
            case 413 -> "Too large";
            case 415 -> "Unsupported form";
            case 503 -> "Unavailable: try again in a moment";
            default -> "That did not work";
        };
    }
}
