package dev.baton.coordinator.http;

import io.micronaut.http.HttpHeaders;
import com.fasterxml.jackson.core.JacksonException;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.exceptions.ContentLengthExceededHandler;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.http.server.exceptions.NotAcceptableException;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single mapping from failures to HTTP. Baton's own refusals carry their code; whatever the
 * framework rejects before a controller runs (unknown route, wrong method or media type, a body
 * over the limit) is rewritten into the same problem+json shape; anything unexpected is logged
 * here with its stack trace and answered without one.
 */
public final class ProblemResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);

    private ProblemResponses() {
    }

    @Singleton
    @Replaces(ErrorResponseProcessor.class)
    public static final class FrameworkErrors implements ErrorResponseProcessor<String> {
        @Override
        public MutableHttpResponse<String> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
            int status = response.getStatus().getCode();
            ErrorCode code = ErrorCode.forStatus(status);
            Throwable cause = context.getRootCause().orElse(null);
            if (cause instanceof ContentLengthExceededException) {
                code = ErrorCode.PAYLOAD_TOO_LARGE;
            }
            String detail = switch (code) {
                case NOT_FOUND -> "no such endpoint: " + context.getRequest().getMethod() + " " + context.getRequest().getPath();
                case METHOD_NOT_ALLOWED -> context.getRequest().getMethod() + " is not allowed on " + context.getRequest().getPath();
                case PAYLOAD_TOO_LARGE -> "the request body is over the size limit";
                case UNSUPPORTED_MEDIA_TYPE -> "send application/json";
                case NOT_ACCEPTABLE -> cause instanceof NotAcceptableException n
                        ? sanitize("cannot answer in " + String.join(", ", n.getAcceptedTypes()) + "; this route answers "
                                + String.join(", ", n.getProduceableContentTypes())
                                + " (application/problem+json or */* in Accept takes any of them)")
                        : "cannot answer in any type the Accept header lists";
                case INTERNAL -> "unexpected error; it has been logged";
                default -> context.getErrors().isEmpty() ? code.title() : sanitize(context.getErrors().get(0).getMessage());
            };
            // The status is the code's: the framework's own wherever Baton has a code for it.
            return Problems.of(context.getRequest(), code, detail);
        }

        private static String sanitize(String message) {
            if (message == null) {
                return "invalid request";
            }
            int cut = message.indexOf('\n');
            String line = cut >= 0 ? message.substring(0, cut) : message;
            return line.length() > 300 ? line.substring(0, 300) : line;
        }
    }

    @Singleton
    @Produces(Problems.PROBLEM_JSON)
    public static final class Refusals implements ExceptionHandler<BatonException, HttpResponse<?>> {
        @Override
        public HttpResponse<?> handle(HttpRequest request, BatonException exception) {
            // a token found revoked or expired while its request went on (a waiting claim): as the filter says it
            return exception.code() == ErrorCode.UNAUTHENTICATED
                    ? Problems.of(request, exception).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")
                    : Problems.of(request, exception);
        }
    }

    // Replaces Micronaut's own: with both, a form body over the limit (a /ui post) found two
    // handlers and answered 500 (NonUniqueBeanException).
    @Singleton
    @Replaces(ContentLengthExceededHandler.class)
    @Produces(Problems.PROBLEM_JSON)
    public static final class TooLarge implements ExceptionHandler<ContentLengthExceededException, HttpResponse<?>> {
        @Override
        public HttpResponse<?> handle(HttpRequest request, ContentLengthExceededException exception) {
            return Problems.of(request, ErrorCode.PAYLOAD_TOO_LARGE, "the request body is over the size limit");
        }
    }

    @Singleton
    @Produces(Problems.PROBLEM_JSON)
    public static final class BadJson implements ExceptionHandler<JacksonException, HttpResponse<?>> {
        @Override
        public HttpResponse<?> handle(HttpRequest request, JacksonException exception) {
            return Problems.of(request, JsonErrors.toInvalid(exception));
        }
    }

    @Singleton
    @Produces(Problems.PROBLEM_JSON)
    public static final class Unexpected implements ExceptionHandler<RuntimeException, HttpResponse<?>> {
        @Override
        public HttpResponse<?> handle(HttpRequest request, RuntimeException exception) {
            LOG.error("unexpected error on {} {}", request.getMethod(), request.getPath(), exception);
            return Problems.of(request, ErrorCode.INTERNAL, "unexpected error; it has been logged");
        }
    }
}
