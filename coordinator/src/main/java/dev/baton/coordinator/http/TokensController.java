package dev.baton.coordinator.http;

import dev.baton.common.Requests;
import dev.baton.common.Responses;
import dev.baton.coordinator.auth.Allowed;
import dev.baton.coordinator.auth.Caller;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.service.Actor;
import dev.baton.coordinator.service.TokenService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.List;

/** API tokens, admin-only (a viewer may not list them either: names and scopes tell an attacker much). */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class TokensController {
    private final TokenService tokens;

    public TokensController(TokenService tokens) {
        this.tokens = tokens;
    }

    /** 201 with the token and its secret, which no later answer shows again. */
    @Post("/tokens")
    @Allowed(Role.ADMIN)
    public HttpResponse<Responses.CreatedToken> create(HttpRequest<?> request,
                                                       @Nullable @Body Requests.CreateToken body) {
        return HttpResponse.created(tokens.create(RequestBodyReader.orEmpty(body, Requests.CreateToken.class),
                Actor.of(Caller.of(request).name())));
    }

    @Get("/tokens")
    @Allowed(Role.ADMIN)
    public List<Responses.Token> list() {
        return tokens.list();
    }

    @Delete("/tokens/{name}")
    @Allowed(Role.ADMIN)
    public HttpResponse<Void> revoke(HttpRequest<?> request, @PathVariable String name) {
        tokens.revoke(name, Actor.of(Caller.of(request).name()));
        return HttpResponse.noContent();
    }
}
