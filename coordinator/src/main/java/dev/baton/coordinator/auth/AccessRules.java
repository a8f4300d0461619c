package dev.baton.coordinator.auth;

import io.micronaut.http.HttpMethod;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/** Which roles may call which endpoint (docs/protocol.md "Auth"). Admin may call everything. */
public final class AccessRules {
    private static final Set<Role> ANY = EnumSet.allOf(Role.class);
    private static final Set<Role> ADMIN = EnumSet.of(Role.ADMIN);
    private static final Set<Role> WORKER = EnumSet.of(Role.ADMIN, Role.WORKER);
    private static final Pattern WORKER_CALL =
            Pattern.compile("/api/v1/jobs/[^/]+/(heartbeat|progress|logs|complete|fail)");

    private AccessRules() {
    }

    /** Null when the path needs no token. */
    public static Set<Role> allowed(HttpMethod method, String path) {
        if (path.equals("/health") || path.equals("/openapi.yaml")) {
            return null;
        }
        if (path.startsWith("/prometheus") || path.startsWith("/api/v1/schedules")) {
            return ADMIN;
        }
        if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
            return ANY;
        }
        if (method == HttpMethod.POST) {
            if (path.equals("/api/v1/jobs") || path.equals("/api/v1/jobs/batch")) {
                return ANY;
            }
            if (path.equals("/api/v1/claims") || path.equals("/api/v1/completions")
                    || WORKER_CALL.matcher(path).matches()) {
                return WORKER;
            }
        }
        return ADMIN;
    }
}
