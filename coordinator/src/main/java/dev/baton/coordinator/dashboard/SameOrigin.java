package dev.baton.coordinator.dashboard;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Whether a state change comes from the dashboard's own pages, by what the browser says about
 * where the request started. {@code Origin} must name this host (the pages'
 * {@code Referrer-Policy: same-origin} lets the browser send it); a browser that sends
 * {@code Origin: null} (a page under another policy, a sandboxed frame) must say
 * {@code Sec-Fetch-Site: same-origin}. A request with neither
 * header comes from no browser (curl), which no other site can make carry a user's cookie; the
 * CSRF token still has to match.
 */
final class SameOrigin {
    private SameOrigin() {
    }

    static boolean holds(HttpRequest<?> request) {
        String origin = request.getHeaders().get("Origin");
        String site = request.getHeaders().get("Sec-Fetch-Site");
        if (origin != null && !origin.equals("null")) {
            String host = request.getHeaders().get(HttpHeaders.HOST);
            return host != null && host.equalsIgnoreCase(authority(origin));
        }
        if (site != null) {
            return site.equals("same-origin");
        }
        return origin == null;
    }

    /** host[:port] of an origin such as {@code http://127.0.0.1:8080}; empty when it is none. */
    private static String authority(String origin) {
        try {
            String authority = new URI(origin).getRawAuthority();
            return authority == null ? "" : authority;
        } catch (URISyntaxException e) {
            return "";
        }
    }
}
