package dev.baton.coordinator.auth;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.http.HttpRequest;
import java.util.Collection;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Who sent a request: the token's name (the actor the audit trail names; never the secret), its
 * role, and the queues it is scoped to ({@code null}: every queue). Set on the request by the
 * authentication filter.
 */
public record Caller(String name, Role role, Set<String> queues) {
    public static final String ATTRIBUTE = "baton.caller";
    /** A {@link BooleanSupplier}: whether the request's token is still valid (Tokens#stillValid). */
    public static final String VALIDITY_ATTRIBUTE = "baton.caller.validity";

    public Caller {
        queues = queues == null ? null : Set.copyOf(queues);
    }

    /** The caller the authentication filter put on {@code request}. */
    public static Caller of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, Caller.class)
                .orElseThrow(() -> new IllegalStateException("no caller on " + request.getMethod() + " " + request.getPath()));
    }

    /** Whether the token of {@code request} still names a caller, asked again whenever called (set by the authentication filter). */
    @SuppressWarnings("unchecked")
    public static BooleanSupplier validity(HttpRequest<?> request) {
        return request.getAttribute(VALIDITY_ATTRIBUTE, BooleanSupplier.class)
                .orElseThrow(() -> new IllegalStateException("no token validity on " + request.getMethod() + " "
                        + request.getPath()));
    }

    public boolean scoped() {
        return queues != null;
    }

    public boolean allows(String queue) {
        return queues == null || queues.contains(queue);
    }

    /** 403 {@code forbidden} naming the first of {@code named} outside this caller's scope, if any is. */
    public void requireQueues(Collection<String> named, String doing) {
        if (queues == null || named == null) {
            return;
        }
        for (String queue : named) {
            if (queue != null && !queues.contains(queue)) {
                throw outOfScope(queue, doing);
            }
        }
    }

    public BatonException outOfScope(String queue, String doing) {
        String shown = queue.length() > 100 ? queue.substring(0, 100) + "…" : queue;
        return new BatonException(ErrorCode.FORBIDDEN, "this token may not " + doing + " queue '" + shown
                + "': it is scoped to other queues");
    }
}
