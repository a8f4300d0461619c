package dev.baton.coordinator.dashboard;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder.ErrorDataDecoderException;
import jakarta.inject.Singleton;

/**
 * A form body Netty cannot decode (a broken {@code %} escape) while binding a route's form: 400,
 * not the 500 of an unexpected error. Only forms are decoded this way, and only the dashboard
 * takes forms.
 */
@Singleton
@Produces(Pages.HTML)
@Requires(condition = DashboardOn.class)
public final class BadForm implements ExceptionHandler<ErrorDataDecoderException, HttpResponse<?>> {
    private final Pages pages;

    public BadForm(Pages pages) {
        this.pages = pages;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, ErrorDataDecoderException exception) {
        return pages.refusal(HttpStatus.BAD_REQUEST, "That request could not be used",
                "The form could not be read.", Frame.of(request.getAttribute(UiSession.ATTRIBUTE, UiSession.class)
                        .orElse(null), ""));
    }
}
