package dev.baton.coordinator.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The roles that may call a route (docs/protocol.md "Auth"), declared on the route's method and
 * read by the authentication filter from the matched route. Admin is not implied: list it. A
 * route with neither this nor {@link Anonymous} is admin-only.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Allowed {
    Role[] value();
}
